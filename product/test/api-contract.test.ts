import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { routeDrift } from '@shop/shared/docs/contract'
import { fuzz, malformedRequests } from '@shop/shared/testing/fuzz'
import { openApi } from '../src/openapi.ts'
import { createHarness, type Harness } from './harness.ts'

describe('the product API as documented', () => {
  let t: Harness
  beforeAll(async () => {
    t = await createHarness()
  })
  afterAll(() => t.close())

  it('has a valid OpenAPI 3.1 document', async () => {
    expect(await new Validator().validate(structuredClone(openApi))).toEqual({ valid: true })
  })

  it('documents every route it serves, and serves every route it documents', () => {
    expect(routeDrift(t.app, openApi)).toEqual({ undocumented: [], unregistered: [] })
  })

  it('answers thousands of malformed requests with a 4xx and changes nothing', async () => {
    const { _id } = await t.create({ name: 'Fuzz target' })
    const before = await t.products.find({}).toArray()
    const requests = malformedRequests(openApi, {
      samples: { id: _id },
      authorization: `Bearer ${t.adminToken}`,
    })
    expect(requests.length).toBeGreaterThan(150)
    const failures = await fuzz(
      (request) =>
        t.app.request(request.path, { method: request.method, headers: request.headers, body: request.body }),
      requests,
    )
    expect(failures).toEqual([])
    expect(await t.products.find({}).toArray()).toEqual(before)
  }, 120_000)
})
