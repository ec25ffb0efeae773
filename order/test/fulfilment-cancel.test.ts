import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { waitFor } from '@shop/shared/testing/wait-for'
import { fulfilmentSteps } from './fulfilment-steps.ts'
import { createHarness, type Harness } from './harness.ts'

describe('cancelling an order until it ships', () => {
  let h: Harness
  let steps: ReturnType<typeof fulfilmentSteps>
  let token: string
  let productId: string

  beforeAll(async () => {
    h = await createHarness()
    token = await h.tokenFor(crypto.randomUUID())
    productId = await h.createProduct({ name: 'Lamp', price: 12, quantity: 10_000 })
    steps = fulfilmentSteps(h, { token, admin: await h.tokenFor(crypto.randomUUID(), 'admin'), productId })
  })
  afterAll(() => h.stop())

  for (const from of ['PENDING', 'CONFIRMED', 'PAID', 'PROCESSING']) {
    it(`lets the customer cancel their ${from} order, publishing order.cancelled with its items once`, async () => {
      const cancelled = await h.tap('order.cancelled')
      const orderId = await steps.orderIn(from)
      const res = await h.cancel(orderId, token)
      expect(res.status).toBe(200)
      expect(res.body.status).toBe('CANCELLED')
      expect(res.body.history.at(-1).status).toBe('CANCELLED')
      expect((await h.cancel(orderId, token)).status).toBe(409)
      const message = await waitFor(() => cancelled.messages.find((m) => m.key === orderId))
      expect(JSON.parse(message.value ?? '')).toEqual({
        order_id: orderId,
        items: [{ product_id: productId, quantity: 2 }],
      })
      const later = await steps.orderIn('PENDING')
      await h.cancel(later, token)
      await waitFor(() => cancelled.messages.some((m) => m.key === later))
      expect(cancelled.messages.filter((m) => m.key === orderId)).toHaveLength(1)
    })
  }

  it('records a refund in the history when the order was cancelled after payment, and not before', async () => {
    for (const [from, refund] of [
      ['CONFIRMED', undefined],
      ['PAID', true],
      ['PROCESSING', true],
    ] as const) {
      const res = await h.cancel(await steps.orderIn(from), token)
      expect(res.body.history.at(-1).refund).toBe(refund)
    }
  })

  for (const from of ['SHIPPED', 'DELIVERED', 'REFUNDED', 'REJECTED', 'CANCELLED']) {
    it(`answers 409 to a cancel of a ${from} order and leaves it ${from}`, async () => {
      const orderId = await steps.orderIn(from)
      for (const res of [
        await h.cancel(orderId, token),
        await h.call('DELETE', `/api/v1/orders/${orderId}`, { token }),
      ]) {
        expect(res.status).toBe(409)
        expect(res.body.detail).toContain(from)
      }
      expect(await steps.statusOf(orderId)).toBe(from)
    })
  }

  it('cancels with the seed’s DELETE /orders/{id} like POST …/cancel', async () => {
    const cancelled = await h.tap('order.cancelled')
    const orderId = await steps.orderIn('PAID')
    const res = await h.call('DELETE', `/api/v1/orders/${orderId}`, { token })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ _id: orderId, status: 'CANCELLED' })
    expect(res.body.history.at(-1).refund).toBe(true)
    await waitFor(() => cancelled.messages.some((m) => m.key === orderId))
  })

  it('answers 404 to another customer’s cancel or DELETE and leaves the order alone', async () => {
    const orderId = await steps.orderIn('CONFIRMED')
    const stranger = await h.tokenFor(crypto.randomUUID())
    expect((await h.cancel(orderId, stranger)).status).toBe(404)
    expect((await h.call('DELETE', `/api/v1/orders/${orderId}`, { token: stranger })).status).toBe(404)
    expect(await steps.statusOf(orderId)).toBe('CONFIRMED')
  })

  it('lets an admin cancel a customer’s order through PATCH /status, also after payment', async () => {
    const orderId = await steps.orderIn('PROCESSING')
    const res = await steps.move(orderId, 'CANCELLED', { reason: 'out of stock at the warehouse' })
    expect(res.status).toBe(200)
    expect(res.body.history.at(-1)).toMatchObject({
      status: 'CANCELLED',
      reason: 'out of stock at the warehouse',
      refund: true,
    })
  })

  it('of a cancel racing a shipment, exactly one wins', async () => {
    const orderId = await steps.orderIn('PROCESSING')
    const [cancel, ship] = await Promise.all([h.cancel(orderId, token), steps.move(orderId, 'SHIPPED')])
    expect([cancel.status, ship.status].sort()).toEqual([200, 409])
    expect(await steps.statusOf(orderId)).toBe(cancel.status === 200 ? 'CANCELLED' : 'SHIPPED')
  })
})
