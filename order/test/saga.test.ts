import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CE_HEADERS } from '@shop/shared/events/envelope'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Harness } from './harness.ts'

describe('the order saga with inventory’s decisions', () => {
  let h: Harness
  let token: string
  let widget: string
  let gadget: string

  beforeAll(async () => {
    h = await createHarness()
    token = await h.tokenFor(crypto.randomUUID())
    widget = await h.createProduct({ name: 'Widget', quantity: 100 })
    gadget = await h.createProduct({ name: 'Gadget', quantity: 100 })
  })
  afterAll(() => h.stop())

  const place = async (quantity = 1) => {
    const res = await h.placeOrder(token, [
      { product_id: widget, quantity },
      { product_id: gadget, quantity: 1 },
    ])
    expect(res.status).toBe(201)
    return res.body._id as string
  }

  it('confirms a PENDING order on stock.reserved, with the change in its history', async () => {
    const orderId = await place()
    await h.reserve(orderId, { correlationId: 'inv-1' })
    const order = await h.waitForStatus(token, orderId, 'CONFIRMED')
    expect(order.history.map((entry) => entry.status)).toEqual(['PENDING', 'CONFIRMED'])
    expect(order.reason).toBeNull()
    expect(Date.parse(order.updated_at)).toBeGreaterThan(Date.parse(order.created_at))
    const line = await waitFor(() => h.entries.find((e) => e.msg === `Order confirmed: ${orderId}`))
    expect(line).toMatchObject({ topic: 'stock.reserved', correlation_id: 'inv-1' })
  })

  it('rejects a PENDING order on stock.rejected with a reason naming the shortages', async () => {
    const orderId = await place(5)
    await h.reject(orderId, [{ product_id: widget, requested: 5, available: 2 }])
    const order = await h.waitForStatus(token, orderId, 'REJECTED')
    expect(order.reason).toBe(`Insufficient stock: Widget (${widget}): 5 requested, 2 available`)
    expect(order.history.at(-1)).toMatchObject({ status: 'REJECTED', reason: order.reason })
  })

  it('takes the event’s own reason when it names no shortage', async () => {
    const orderId = await place()
    await h.reject(orderId, [], 'product is no longer sold')
    const order = await h.waitForStatus(token, orderId, 'REJECTED')
    expect(order.reason).toBe('product is no longer sold')
  })

  it('cancels a PENDING order and publishes order.cancelled with its items', async () => {
    const cancelled = await h.tap('order.cancelled')
    const orderId = await place(2)
    const res = await h.cancel(orderId, token, { 'X-Request-Id': 'req-cancel-1' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ _id: orderId, status: 'CANCELLED' })
    expect(res.body.history.map((entry: { status: string }) => entry.status)).toEqual([
      'PENDING',
      'CANCELLED',
    ])
    const [message] = await waitFor(() => {
      const mine = cancelled.messages.filter((m) => m.key === orderId)
      return mine.length > 0 && mine
    })
    expect(JSON.parse(message?.value ?? '')).toEqual({
      order_id: orderId,
      items: [
        { product_id: widget, quantity: 2 },
        { product_id: gadget, quantity: 1 },
      ],
    })
    expect(message?.headers[CE_HEADERS.correlationId]).toBe('req-cancel-1')
  })

  it('cancels a CONFIRMED order, and answers 409 to a second cancel with one order.cancelled', async () => {
    const cancelled = await h.tap('order.cancelled')
    const orderId = await place()
    await h.reserve(orderId)
    await h.waitForStatus(token, orderId, 'CONFIRMED')
    const first = await h.cancel(orderId, token)
    expect(first.status).toBe(200)
    expect(first.body.history.map((entry: { status: string }) => entry.status)).toEqual([
      'PENDING',
      'CONFIRMED',
      'CANCELLED',
    ])
    const again = await h.cancel(orderId, token)
    expect(again.status).toBe(409)
    expect(again.body.detail).toContain('CANCELLED')
    // A later order's event shows the relay has passed anything a second cancel could have written.
    const later = await place()
    await h.cancel(later, token)
    await waitFor(() => cancelled.messages.some((m) => m.key === later))
    expect(cancelled.messages.filter((m) => m.key === orderId)).toHaveLength(1)
  })

  it('lets one of many concurrent cancels through, answering the others 409, with one order.cancelled', async () => {
    const cancelled = await h.tap('order.cancelled')
    const orderId = await place()
    const answers = await Promise.all(Array.from({ length: 8 }, () => h.cancel(orderId, token)))
    expect(answers.map((res) => res.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409])
    const order = await h.getOrder(orderId, token)
    expect(order.history.map((entry) => entry.status)).toEqual(['PENDING', 'CANCELLED'])
    const later = await place()
    await h.cancel(later, token)
    await waitFor(() => cancelled.messages.some((m) => m.key === later))
    expect(cancelled.messages.filter((m) => m.key === orderId)).toHaveLength(1)
  })

  it('answers 409 to cancelling a REJECTED order and leaves it as it was', async () => {
    const orderId = await place(5)
    await h.reject(orderId, [{ product_id: widget, requested: 5, available: 2 }])
    const rejected = await h.waitForStatus(token, orderId, 'REJECTED')
    const res = await h.cancel(orderId, token)
    expect(res.status).toBe(409)
    expect(res.body.detail).toContain('REJECTED')
    expect(await h.getOrder(orderId, token)).toEqual(rejected)
  })

  it('answers 404 to cancelling another user’s order, 401 without a token, and lets an admin cancel it', async () => {
    const orderId = await place()
    const stranger = await h.tokenFor(crypto.randomUUID())
    expect((await h.cancel(orderId, stranger)).status).toBe(404)
    expect((await h.call('POST', `/api/v1/orders/${orderId}/cancel`)).status).toBe(401)
    expect((await h.getOrder(orderId, token)).status).toBe('PENDING')
    const admin = await h.tokenFor(crypto.randomUUID(), 'admin')
    expect((await h.cancel(orderId, admin)).status).toBe(200)
  })

  it('answers 400 to cancelling a malformed id and 404 to an unknown one', async () => {
    expect((await h.cancel('nope', token)).status).toBe(400)
    expect((await h.cancel('0'.repeat(24), token)).status).toBe(404)
  })
})
