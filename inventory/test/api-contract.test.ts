import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { routeDrift } from '@shop/shared/docs/contract'
import { fuzz, malformedRequests } from '@shop/shared/testing/fuzz'
import { openApi } from '../src/openapi.ts'
import { createHarness, type Inventory } from './harness.ts'

describe('the inventory API as documented', () => {
  let t: Inventory
  beforeAll(async () => {
    t = await createHarness()
  })
  afterAll(() => t.stop())

  /** Every row of every table of the service: what a refused request must leave as it was. */
  const snapshot = async () => {
    const tables = await t.sql<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`
    const rows: Record<string, unknown[]> = {}
    for (const { name } of tables) {
      rows[name] = [...(await t.sql`SELECT * FROM ${t.sql(name)} ORDER BY 1`)]
    }
    return rows
  }

  it('has a valid OpenAPI 3.1 document', async () => {
    expect(await new Validator().validate(structuredClone(openApi))).toEqual({ valid: true })
  })

  it('documents every route it serves, and serves every route it documents', () => {
    expect(routeDrift(t.app, openApi)).toEqual({ undocumented: [], unregistered: [] })
  })

  it('serves its document at /openapi.json', async () => {
    const res = await t.app.request('/openapi.json')
    expect(res.status).toBe(200)
    expect(
      ((await res.json()) as typeof openApi).paths['/api/v1/inventory/{product_id}']?.patch,
    ).toBeDefined()
  })

  it('answers hundreds of malformed requests with a 4xx and changes nothing', async () => {
    const { product_id, event_id } = await t.createProduct(50)
    await t.applied(event_id)
    await t.stockOnSale(product_id)
    const before = await snapshot()
    const requests = malformedRequests(openApi, {
      samples: { product_id },
      authorization: `Bearer ${await t.adminToken()}`,
    })
    expect(requests.length).toBeGreaterThan(120)
    const failures = await fuzz(
      (request) =>
        t.app.request(request.path, { method: request.method, headers: request.headers, body: request.body }),
      requests,
      { every4xx: true },
    )
    expect(failures).toEqual([])
    expect(await snapshot()).toEqual(before)
  }, 120_000)
})
