import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CE_HEADERS } from '@shop/shared/events/envelope'
import { waitFor } from '@shop/shared/testing/wait-for'
import { OrderResponse } from '../src/orders/schemas.ts'
import { fulfilmentSteps } from './fulfilment-steps.ts'
import { createHarness, type Harness, newId } from './harness.ts'

/** The contract's table: where an admin may move an order from each status. */
const ALLOWED: Record<string, string[]> = {
  PENDING: ['CANCELLED'],
  CONFIRMED: ['PAID', 'CANCELLED'],
  PAID: ['PROCESSING', 'CANCELLED'],
  PROCESSING: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED', 'REFUNDED'],
  DELIVERED: ['REFUNDED'],
  REJECTED: [],
  CANCELLED: [],
  REFUNDED: [],
}
const TARGETS = ['PAID', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'REFUNDED', 'CANCELLED']

describe('moving an order along fulfilment', () => {
  let h: Harness
  let steps: ReturnType<typeof fulfilmentSteps>
  let token: string
  let productId: string

  beforeAll(async () => {
    h = await createHarness()
    token = await h.tokenFor(crypto.randomUUID())
    productId = await h.createProduct({ name: 'Kettle', price: 24.5, quantity: 10_000 })
    steps = fulfilmentSteps(h, { token, admin: await h.tokenFor(crypto.randomUUID(), 'admin'), productId })
  })
  afterAll(() => h.stop())

  for (const [from, allowed] of Object.entries(ALLOWED)) {
    it(`from ${from} allows ${allowed.join(', ') || 'nothing'} and refuses the rest with 409 naming them`, async () => {
      const orderId = await steps.orderIn(from)
      for (const to of TARGETS.filter((target) => !allowed.includes(target))) {
        const res = await steps.move(orderId, to)
        expect({ to, status: res.status }).toEqual({ to, status: 409 })
        expect(res.headers.get('Content-Type')).toBe('application/problem+json')
        for (const name of allowed) expect(res.body.detail).toContain(name)
        if (allowed.length === 0) expect(res.body.detail).toContain(`${from} is final`)
      }
      expect(await steps.statusOf(orderId)).toBe(from)
      for (const to of allowed) {
        const fresh = await steps.orderIn(from)
        const res = await steps.move(fresh, to)
        expect({ to, status: res.status }).toEqual({ to, status: 200 })
        expect(res.body.status).toBe(to)
        expect(res.body.history.at(-1).status).toBe(to)
      }
    })
  }

  it('keeps every move in the history and publishes order.paid, .shipped, .delivered, .refunded once each', async () => {
    const topics = ['order.paid', 'order.shipped', 'order.delivered', 'order.refunded'] as const
    const taps = await Promise.all(topics.map((topic) => h.tap(topic)))
    const orderId = await steps.orderIn('CONFIRMED')
    for (const status of ['PAID', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'REFUNDED']) {
      // The same move twice at once: one applies, the other is told the order has moved on.
      const answers = await Promise.all([steps.move(orderId, status), steps.move(orderId, status)])
      expect(answers.map((res) => res.status).sort()).toEqual([200, 409])
    }
    const order = await h.getOrder(orderId, token)
    // The body is what the documented schema says (issue 15 builds the OpenAPI document from it).
    expect(OrderResponse.parse(order)).toEqual(order)
    expect(order.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'CONFIRMED',
      'PAID',
      'PROCESSING',
      'SHIPPED',
      'DELIVERED',
      'REFUNDED',
    ])
    for (const tap of taps) {
      await waitFor(() => tap.messages.some((m) => m.key === orderId), { message: 'each fulfilment event' })
    }
    // A later order's events show the relay has passed anything a second move could have written.
    const later = await steps.orderIn('REFUNDED')
    for (const tap of taps) await waitFor(() => tap.messages.some((m) => m.key === later))
    for (const tap of taps) {
      const mine = tap.messages.filter((m) => m.key === orderId)
      expect(mine).toHaveLength(1)
      expect(JSON.parse(mine[0]?.value ?? '')).toEqual({
        order_id: orderId,
        items: [{ product_id: productId, quantity: 2 }],
      })
    }
  })

  it('carries the request id of the move as the event’s correlation id', async () => {
    const paid = await h.tap('order.paid')
    const orderId = await steps.orderIn('CONFIRMED')
    const res = await h.call('PATCH', `/api/v1/orders/${orderId}/status`, {
      token: await h.tokenFor(crypto.randomUUID(), 'admin'),
      body: { status: 'PAID' },
      headers: { 'X-Request-Id': 'req-pay-1' },
    })
    expect(res.status).toBe(200)
    const message = await waitFor(() => paid.messages.find((m) => m.key === orderId))
    expect(message.headers[CE_HEADERS.correlationId]).toBe('req-pay-1')
  })

  it('refuses to ship an order without a shipping address, saying why', async () => {
    const orderId = await steps.orderIn('PROCESSING', { address: false })
    const res = await steps.move(orderId, 'SHIPPED')
    expect(res.status).toBe(409)
    expect(res.body.detail).toContain('no shipping address')
    expect(await steps.statusOf(orderId)).toBe('PROCESSING')
  })

  it('takes the seed’s PUT like PATCH, and a reason kept in the history', async () => {
    const orderId = await steps.orderIn('CONFIRMED')
    const res = await steps.move(orderId, 'PAID', { method: 'PUT', reason: 'paid by card' })
    expect(res.status).toBe(200)
    expect(res.body.history.at(-1)).toMatchObject({ status: 'PAID', reason: 'paid by card' })
  })

  it('lets only admins move orders: 403 for a customer, even on their own order', async () => {
    const orderId = await steps.orderIn('CONFIRMED')
    for (const method of ['PATCH', 'PUT']) {
      const res = await steps.move(orderId, 'PAID', { token, method })
      expect(res.status).toBe(403)
    }
    expect(await steps.statusOf(orderId)).toBe('CONFIRMED')
  })

  it('answers 400 naming the field for an unknown status or a reason with a NUL, and 404 for no order', async () => {
    const orderId = await steps.orderIn('CONFIRMED')
    const unknown = await steps.move(orderId, 'LOST')
    expect(unknown.status).toBe(400)
    expect(unknown.body.errors[0].path).toBe('status')
    const nul = await steps.move(orderId, 'PAID', { reason: 'card\u0000' })
    expect(nul.status).toBe(400)
    expect(nul.body.errors[0].path).toBe('reason')
    expect(await steps.statusOf(orderId)).toBe('CONFIRMED')
    expect((await steps.move(newId(), 'PAID')).status).toBe(404)
  })
})
