import { afterAll, describe, expect, it } from 'bun:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Hono } from 'hono'
import { z } from 'zod'
import { docsRoutes, openApiRoute } from './docs-routes.ts'
import { type OpenApiDocument, openApiDocument } from './openapi.ts'

const document = (service: string, path: string) =>
  openApiDocument({
    service,
    operations: [
      {
        method: 'get',
        path,
        tag: service,
        summary: `A ${service} thing`,
        responses: { 200: { description: 'It', schema: z.object({ id: z.string() }) } },
      },
    ],
  })

/** A peer on a real port, serving its document as each service does. */
const peer = (service: string, path: string) => {
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: openApiRoute(document(service, path)).fetch,
  })
  return { server, url: `http://127.0.0.1:${server.port}` }
}

const json = async (res: Response | Promise<Response>) => (await (await res).json()) as OpenApiDocument

describe('the documentation routes', () => {
  const user = peer('user', '/api/v1/users/me')
  const order = peer('order', '/api/v1/orders/')
  afterAll(() => {
    user.server.stop(true)
    order.server.stop(true)
  })
  const own = document('product', '/api/v1/products/')
  const app = (peers: string[]) => new Hono().route('/', docsRoutes({ own, peers }))

  it('merges its own document with every peer’s into one valid OpenAPI 3.1 document', async () => {
    const res = await app([user.url, order.url]).request('/api/v1/openapi.json')
    expect(res.status).toBe(200)
    const doc = await json(res)
    expect(Object.keys(doc.paths)).toEqual(['/api/v1/products/', '/api/v1/users/me', '/api/v1/orders/'])
    expect(doc.info.description).not.toContain('left out')
    expect(await new Validator().validate(doc)).toEqual({ valid: true })
  })

  it('leaves out a peer that does not answer, names it, and asks again next time', async () => {
    let calls = 0
    const late = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: (request) =>
        ++calls === 1
          ? new Response('starting', { status: 503 })
          : openApiRoute(document('order', '/api/v1/orders/')).fetch(request),
    })
    const url = `http://127.0.0.1:${late.port}`
    try {
      const docs = app([user.url, url])
      const first = await json(docs.request('/api/v1/openapi.json'))
      expect(Object.keys(first.paths)).toEqual(['/api/v1/products/', '/api/v1/users/me'])
      expect(first.info.description).toContain(`left out: ${url}`)
      const again = await json(docs.request('/api/v1/openapi.json'))
      expect(Object.keys(again.paths)).toContain('/api/v1/orders/')
      expect(again.info.description).not.toContain('left out')
    } finally {
      late.stop(true)
    }
  })

  it('serves the reference page with its script and styles from here, no validator', async () => {
    const docs = app([])
    const page = await (await docs.request('/api/v1/docs')).text()
    expect(page).toContain('validatorUrl: null')
    for (const src of page.match(/(?:href|src)="([^"]+)"/g) ?? []) {
      expect(src).toMatch(/"\/api\/v1\/docs\/assets\//)
    }
    const css = await docs.request('/api/v1/docs/assets/swagger-ui.css')
    expect(css.headers.get('content-type')).toStartWith('text/css')
    const js = await docs.request('/api/v1/docs/assets/swagger-ui-bundle.js')
    expect(js.headers.get('content-type')).toStartWith('text/javascript')
    expect((await js.text()).length).toBeGreaterThan(100_000)
  })

  it('serves the AsyncAPI document', async () => {
    const res = await app([]).request('/api/v1/asyncapi.json')
    expect(((await res.json()) as { asyncapi: string }).asyncapi).toBe('3.0.0')
  })
})
