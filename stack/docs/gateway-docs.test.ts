import { describe, expect, it } from 'bun:test'
import { Parser } from '@asyncapi/parser'
import { Validator } from '@seriousme/openapi-schema-validator'

const GATEWAY = process.env.GATEWAY_URL ?? 'http://127.0.0.1:80'

/** One operation of each service, as a newcomer would look for it. */
const EXPECTED = {
  user: ['post', '/api/v1/auth/register'],
  product: ['post', '/api/v1/products/'],
  inventory: ['patch', '/api/v1/inventory/{product_id}'],
  order: ['post', '/api/v1/orders/'],
} as const

describe('the documents through the running gateway', () => {
  it('serves one OpenAPI 3.1 document for the whole API, every service in it', async () => {
    const res = await fetch(`${GATEWAY}/api/v1/openapi.json`)
    expect(res.status).toBe(200)
    const doc = (await res.json()) as {
      info: { description: string }
      paths: Record<string, Record<string, { operationId: string }>>
    }
    expect(doc.info.description).not.toContain('left out')
    for (const [service, [method, path]] of Object.entries(EXPECTED)) {
      expect(doc.paths[path]?.[method]?.operationId).toBe(`${service}.${method}.${path}`)
    }
    expect(await new Validator().validate(doc)).toEqual({ valid: true })
  })

  it('serves an AsyncAPI 3.0 document that validates', async () => {
    const res = await fetch(`${GATEWAY}/api/v1/asyncapi.json`)
    expect(res.status).toBe(200)
    const diagnostics = await new Parser().validate(await res.text())
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => d.message)).toEqual([])
  })
})
