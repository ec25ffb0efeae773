import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CE_HEADERS } from '@shop/shared/events/envelope'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Harness, newId } from './harness.ts'

let h: Harness

beforeAll(async () => {
  h = await createHarness()
})
afterAll(() => h.stop())

describe('placing an order', () => {
  let token: string
  let userId: string
  let widget: string
  let gadget: string

  beforeAll(async () => {
    userId = crypto.randomUUID()
    token = await h.tokenFor(userId)
    widget = await h.createProduct({ name: 'Widget', price: 9.99, quantity: 50 })
    gadget = await h.createProduct({ name: 'Gadget', price: 0.1, quantity: 50 })
  })

  it('answers 401 without a token', async () => {
    const res = await h.call('POST', '/api/v1/orders', {
      body: { items: [{ product_id: widget, quantity: 1 }] },
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('Content-Type')).toBe('application/problem+json')
  })

  it('stores a PENDING order with names and prices snapshotted and answers 201', async () => {
    const res = await h.placeOrder(token, [
      { product_id: widget, quantity: 3 },
      { product_id: gadget, quantity: 7 },
    ])
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      user_id: userId,
      items: [
        { product_id: widget, name: 'Widget', unit_price: 9.99, quantity: 3 },
        { product_id: gadget, name: 'Gadget', unit_price: 0.1, quantity: 7 },
      ],
      total: 30.67,
      status: 'PENDING',
      reason: null,
      history: [{ status: 'PENDING' }],
    })
    expect(res.body._id).toMatch(/^[0-9a-f]{24}$/)
    expect(res.body.created_at).toBe(res.body.updated_at)
    expect(res.headers.get('Location')).toBe(`/api/v1/orders/${res.body._id}`)
    expect(Object.keys(res.body)).not.toContain('outbox')
  })

  it('publishes order.placed once, keyed by order id, with the request id as correlation id, and logs it', async () => {
    const placed = await h.tap('order.placed')
    const res = await h.call('POST', '/api/v1/orders/', {
      token,
      body: { items: [{ product_id: widget, quantity: 2 }] },
      headers: { 'X-Request-Id': 'req-place-1' },
    })
    expect(res.status).toBe(201)
    const orderId = res.body._id
    const [message] = await waitFor(() => {
      const mine = placed.messages.filter((m) => m.key === orderId)
      return mine.length > 0 && mine
    })
    expect(JSON.parse(message?.value ?? '')).toEqual({
      order_id: orderId,
      user_id: userId,
      items: [{ product_id: widget, quantity: 2 }],
    })
    expect(message?.headers[CE_HEADERS.correlationId]).toBe('req-place-1')
    expect(message?.headers[CE_HEADERS.source]).toBe('/order-service')
    const line = await waitFor(() => h.entries.find((e) => e.msg === `Order placed: ${orderId}`))
    expect(line).toMatchObject({ level: 'info', topic: 'order.placed', correlation_id: 'req-place-1' })
    expect(line.event_id).toBe(message?.headers[CE_HEADERS.id])
    // The relay marks the event published just after the send; the send itself is what the log line reports.
    const [first] = await waitFor(async () => {
      const events = await h.eventsOf(orderId)
      return events[0]?.pending === false && events
    })
    expect(first).toMatchObject({ seq: 1, status: 'PENDING', message: { topic: 'order.placed' } })
    expect(first?.published_at).toBeInstanceOf(Date)
    expect(placed.messages.filter((m) => m.key === orderId)).toHaveLength(1)
  })

  it('merges lines for the same product into one', async () => {
    const res = await h.placeOrder(token, [
      { product_id: widget, quantity: 1 },
      { product_id: gadget, quantity: 1 },
      { product_id: widget, quantity: 4 },
    ])
    expect(res.status).toBe(201)
    expect(res.body.items.map((i: { quantity: number }) => i.quantity)).toEqual([5, 1])
    expect(res.body.total).toBe(50.05)
  })

  it('answers 422 for an unknown product and for a deleted one', async () => {
    const unknown = await h.placeOrder(token, [
      { product_id: widget, quantity: 1 },
      { product_id: newId(), quantity: 1 },
    ])
    expect(unknown.status).toBe(422)
    expect(unknown.body).toMatchObject({ type: '/problems/business-rule', status: 422 })

    const doomed = await h.createProduct({ name: 'Doomed' })
    await h.deleteProduct(doomed)
    await waitFor(() => h.catalogue.get(doomed)?.deleted)
    expect((await h.placeOrder(token, [{ product_id: doomed, quantity: 1 }])).status).toBe(422)
  })

  it('answers 409 at once when the known stock is short, and stores nothing', async () => {
    const scarce = await h.createProduct({ name: 'Scarce', quantity: 2 })
    const before = [await h.db.orders.countDocuments(), await h.db.orderEvents.countDocuments()]
    const res = await h.placeOrder(token, [{ product_id: scarce, quantity: 3 }])
    expect(res.status).toBe(409)
    expect(res.body.detail).toContain('Scarce')
    expect([await h.db.orders.countDocuments(), await h.db.orderEvents.countDocuments()]).toEqual(before)
    expect((await h.placeOrder(token, [{ product_id: scarce, quantity: 2 }])).status).toBe(201)
  })

  it('answers 400 for invalid bodies and 415 for a non-JSON body', async () => {
    const item = { product_id: widget, quantity: 1 }
    const bodies = [
      {},
      { items: [] },
      { items: [{ product_id: widget, quantity: 0 }] },
      { items: [{ product_id: widget, quantity: 1001 }] },
      { items: [{ product_id: widget, quantity: 1.5 }] },
      { items: [{ product_id: 'nope', quantity: 1 }] },
      { items: Array.from({ length: 101 }, () => item) },
      { items: [item], extra: true },
      { items: [{ ...item, price: 0 }] },
      { items: [item], address_id: '' },
    ]
    for (const body of bodies) {
      const res = await h.call('POST', '/api/v1/orders', { token, body })
      expect({ body, status: res.status }).toEqual({ body, status: 400 })
    }
    const text = await h.app.request('/api/v1/orders', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' },
      body: JSON.stringify({ items: [item] }),
    })
    expect(text.status).toBe(415)
  })

  it('answers 422 for an address id the order service never heard of', async () => {
    const res = await h.call('POST', '/api/v1/orders', {
      token,
      body: { items: [{ product_id: widget, quantity: 1 }], address_id: 'addr-1' },
    })
    expect(res.status).toBe(422)
    expect(res.body.errors[0].path).toBe('address_id')
  })
})

describe('placing an order with an Idempotency-Key', () => {
  let token: string
  let widget: string
  let gadget: string

  beforeAll(async () => {
    token = await h.tokenFor(crypto.randomUUID())
    widget = await h.createProduct({ name: 'Widget', quantity: 100 })
    gadget = await h.createProduct({ name: 'Gadget', quantity: 100 })
  })

  it('answers the same key and body with the same order, and publishes order.placed once', async () => {
    const placed = await h.tap('order.placed')
    const items = [
      { product_id: widget, quantity: 1 },
      { product_id: gadget, quantity: 2 },
    ]
    const first = await h.placeOrder(token, items, 'key-same')
    const again = await h.placeOrder(token, items, 'key-same')
    const reordered = await h.placeOrder(token, [...items].reverse(), 'key-same')
    expect(first.status).toBe(201)
    expect(again.status).toBe(200)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.body).toEqual(first.body)
    expect(reordered.body._id).toBe(first.body._id)
    await waitFor(() => placed.messages.some((m) => m.key === first.body._id))
    // A later order's event proves the relay has moved past anything a duplicate would have produced.
    const later = await h.placeOrder(token, [{ product_id: widget, quantity: 1 }])
    await waitFor(() => placed.messages.some((m) => m.key === later.body._id))
    expect(placed.messages.filter((m) => m.key === first.body._id)).toHaveLength(1)
    expect(await h.db.orders.countDocuments({ idempotency_key: 'key-same' })).toBe(1)
  })

  it('answers 409 when the key is used again with another body', async () => {
    const first = await h.placeOrder(token, [{ product_id: widget, quantity: 1 }], 'key-other')
    expect(first.status).toBe(201)
    const other = await h.placeOrder(token, [{ product_id: widget, quantity: 2 }], 'key-other')
    expect(other.status).toBe(409)
    expect(other.body.detail).toContain('Idempotency-Key')
    expect(await h.db.orders.countDocuments({ idempotency_key: 'key-other' })).toBe(1)
  })

  it('creates one order from concurrent requests with the same key', async () => {
    const items = [{ product_id: gadget, quantity: 1 }]
    const answers = await Promise.all(Array.from({ length: 8 }, () => h.placeOrder(token, items, 'key-race')))
    expect(new Set(answers.map((a) => a.body._id)).size).toBe(1)
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1)
    expect(answers.filter((a) => a.status === 200)).toHaveLength(7)
    expect(await h.db.orders.countDocuments({ idempotency_key: 'key-race' })).toBe(1)
  })

  it('keeps keys apart per user', async () => {
    const items = [{ product_id: widget, quantity: 1 }]
    const mine = await h.placeOrder(token, items, 'key-shared')
    const theirs = await h.placeOrder(await h.tokenFor(crypto.randomUUID()), items, 'key-shared')
    expect([mine.status, theirs.status]).toEqual([201, 201])
    expect(theirs.body._id).not.toBe(mine.body._id)
  })

  it('does not spend a key on a refused request', async () => {
    const scarce = await h.createProduct({ name: 'Scarce', quantity: 1 })
    const items = [{ product_id: scarce, quantity: 2 }]
    expect((await h.placeOrder(token, items, 'key-retry')).status).toBe(409)
    await h.publishStock(scarce, 5)
    await waitFor(() => h.catalogue.get(scarce)?.stock === 5)
    expect((await h.placeOrder(token, items, 'key-retry')).status).toBe(201)
  })

  it('answers 400 for an empty or over-long key', async () => {
    const items = [{ product_id: widget, quantity: 1 }]
    expect((await h.placeOrder(token, items, 'k'.repeat(201))).status).toBe(400)
    const empty = await h.call('POST', '/api/v1/orders', {
      token,
      body: { items },
      headers: { 'Idempotency-Key': '' },
    })
    expect(empty.status).toBe(400)
    expect((await h.placeOrder(token, items, 'k'.repeat(200))).status).toBe(201)
  })
})
