import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHarness, type Harness, newId } from './harness.ts'

describe('reading orders', () => {
  let h: Harness
  let alice: { id: string; token: string }
  let bob: { id: string; token: string }
  let admin: string
  const aliceOrders: string[] = []
  let bobOrder: string

  beforeAll(async () => {
    h = await createHarness()
    const user = async () => {
      const id = crypto.randomUUID()
      return { id, token: await h.tokenFor(id) }
    }
    alice = await user()
    bob = await user()
    admin = await h.tokenFor(crypto.randomUUID(), 'admin')
    const widget = await h.createProduct({ quantity: 100 })
    for (let i = 0; i < 3; i++) {
      aliceOrders.push((await h.placeOrder(alice.token, [{ product_id: widget, quantity: i + 1 }])).body._id)
    }
    bobOrder = (await h.placeOrder(bob.token, [{ product_id: widget, quantity: 1 }])).body._id
    await h.call('POST', `/api/v1/orders/${aliceOrders[0]}/cancel`, { token: alice.token })
  })
  afterAll(() => h.stop())

  it('answers /health without I/O and /ready with the store and the broker up', async () => {
    expect((await h.call('GET', '/health')).body).toEqual({ status: 'ok', service: 'order-service' })
    const ready = await h.call('GET', '/ready')
    expect(ready.status).toBe(200)
    expect(ready.body.checks).toEqual({ mongodb: 'up', kafka: 'up', catalogue: 'up' })
  })

  it('lists only the caller’s own orders, newest first, on /orders and /orders/', async () => {
    for (const path of ['/api/v1/orders', '/api/v1/orders/']) {
      const res = await h.call('GET', path, { token: alice.token })
      expect(res.status).toBe(200)
      expect(res.headers.get('X-Total-Count')).toBe('3')
      expect(res.body.map((o: { _id: string }) => o._id)).toEqual([...aliceOrders].reverse())
    }
  })

  it('pages with skip and limit and filters by status', async () => {
    const page = await h.call('GET', '/api/v1/orders?skip=1&limit=1', { token: alice.token })
    expect(page.body.map((o: { _id: string }) => o._id)).toEqual([aliceOrders[1]])
    expect(page.headers.get('X-Total-Count')).toBe('3')
    const cancelled = await h.call('GET', '/api/v1/orders?status=CANCELLED', { token: alice.token })
    expect(cancelled.body.map((o: { _id: string }) => o._id)).toEqual([aliceOrders[0]])
    expect(cancelled.headers.get('X-Total-Count')).toBe('1')
  })

  it('lists every order for an admin, filtered by user_id and status', async () => {
    const all = await h.call('GET', '/api/v1/orders', { token: admin })
    expect(all.headers.get('X-Total-Count')).toBe('4')
    const bobs = await h.call('GET', `/api/v1/orders?user_id=${bob.id}`, { token: admin })
    expect(bobs.body.map((o: { _id: string }) => o._id)).toEqual([bobOrder])
    const pending = await h.call('GET', `/api/v1/orders?user_id=${alice.id}&status=PENDING`, { token: admin })
    expect(pending.headers.get('X-Total-Count')).toBe('2')
  })

  it('answers 403 to a customer asking for another user’s orders', async () => {
    expect((await h.call('GET', `/api/v1/orders?user_id=${bob.id}`, { token: alice.token })).status).toBe(403)
    const own = await h.call('GET', `/api/v1/orders?user_id=${alice.id}`, { token: alice.token })
    expect(own.headers.get('X-Total-Count')).toBe('3')
  })

  it('answers 400 for invalid or unknown query parameters', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'skip=-1',
      'status=LOST',
      'user_id=x',
      'sort=1',
      'status[$ne]=x',
    ]) {
      const res = await h.call('GET', `/api/v1/orders?${query}`, { token: admin })
      expect({ query, status: res.status }).toEqual({ query, status: 400 })
    }
  })

  it('answers 401 without a token', async () => {
    expect((await h.call('GET', '/api/v1/orders')).status).toBe(401)
    expect((await h.call('GET', `/api/v1/orders/${bobOrder}`)).status).toBe(401)
  })

  it('shows one order to its owner and to an admin', async () => {
    const own = await h.call('GET', `/api/v1/orders/${bobOrder}`, { token: bob.token })
    expect(own.status).toBe(200)
    expect(own.body).toMatchObject({ _id: bobOrder, user_id: bob.id, status: 'PENDING' })
    expect((await h.call('GET', `/api/v1/orders/${bobOrder}`, { token: admin })).body).toEqual(own.body)
  })

  it('answers 404 for another user’s order and an unknown one, 400 for a malformed id', async () => {
    const others = await h.call('GET', `/api/v1/orders/${bobOrder}`, { token: alice.token })
    expect(others.status).toBe(404)
    expect(others.body).toMatchObject({ type: '/problems/not-found' })
    expect((await h.call('GET', `/api/v1/orders/${newId()}`, { token: alice.token })).status).toBe(404)
    expect((await h.call('GET', '/api/v1/orders/not-an-id', { token: alice.token })).status).toBe(400)
  })
})
