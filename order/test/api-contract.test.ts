import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { routeDrift } from '@shop/shared/docs/contract'
import { fuzz, malformedRequests } from '@shop/shared/testing/fuzz'
import { waitFor } from '@shop/shared/testing/wait-for'
import { openApi } from '../src/openapi.ts'
import { createHarness, type Harness } from './harness.ts'

describe('the order API as documented', () => {
  let h: Harness
  beforeAll(async () => {
    h = await createHarness()
  })
  afterAll(() => h.stop())

  /** Every document of every collection: what a refused request must leave as it was. */
  const snapshot = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(h.db).map(async ([name, collection]) => [
          name,
          await collection.find({}).sort({ _id: 1 }).toArray(),
        ]),
      ),
    )

  it('has a valid OpenAPI 3.1 document', async () => {
    expect(await new Validator().validate(structuredClone(openApi))).toEqual({ valid: true })
  })

  it('documents every route it serves, and serves every route it documents', () => {
    expect(routeDrift(h.app, openApi)).toEqual({ undocumented: [], unregistered: [] })
  })

  it('serves its document at /openapi.json', async () => {
    const res = await h.app.request('/openapi.json')
    expect(res.status).toBe(200)
    expect(((await res.json()) as typeof openApi).paths['/api/v1/orders/{id}/cancel']?.post).toBeDefined()
  })

  it('answers hundreds of malformed requests with a 4xx and changes nothing', async () => {
    const productId = await h.createProduct({ name: 'Fuzz target', quantity: 1000 })
    const userId = crypto.randomUUID()
    const token = await h.tokenFor(userId)
    const placed = await h.placeOrder(token, [{ product_id: productId, quantity: 1 }], crypto.randomUUID())
    expect(placed.status).toBe(201)
    await h.reserve(placed.body._id)
    await h.waitForStatus(token, placed.body._id, 'CONFIRMED')
    // Settled: nothing left for the relay or the decision timer to write while the fuzz runs.
    await waitFor(async () => (await h.db.orderEvents.countDocuments({ pending: true })) === 0, {
      message: 'the outbox to drain',
    })
    const before = await snapshot()
    const requests = malformedRequests(openApi, {
      samples: { id: placed.body._id, user_id: userId },
      authorization: `Bearer ${await h.tokenFor(crypto.randomUUID(), 'admin')}`,
    })
    expect(requests.length).toBeGreaterThan(300)
    const failures = await fuzz(
      (request) =>
        h.app.request(request.path, { method: request.method, headers: request.headers, body: request.body }),
      requests,
      { every4xx: true },
    )
    expect(failures).toEqual([])
    expect(await snapshot()).toEqual(before)
  }, 120_000)
})
