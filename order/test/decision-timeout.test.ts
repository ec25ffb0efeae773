import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Harness } from './harness.ts'

describe('no order stays PENDING', () => {
  let h: Harness
  let token: string
  let widget: string

  beforeAll(async () => {
    h = await createHarness({ decisionTimeoutSeconds: 1 })
    token = await h.tokenFor(crypto.randomUUID())
    widget = await h.createProduct({ quantity: 100 })
  })
  afterAll(() => h.stop())

  const place = async () => {
    const res = await h.placeOrder(token, [{ product_id: widget, quantity: 3 }])
    expect(res.status).toBe(201)
    return res.body._id as string
  }

  it('rejects an order with no decision after ORDER_DECISION_TIMEOUT_SECONDS, reason timeout, and publishes order.cancelled', async () => {
    const cancelled = await h.tap('order.cancelled')
    const orderId = await place()
    const order = await h.waitForStatus(token, orderId, 'REJECTED')
    expect(order.reason).toBe('timeout')
    expect(order.history.map((entry) => [entry.status, entry.reason])).toEqual([
      ['PENDING', undefined],
      ['REJECTED', 'timeout'],
    ])
    const [message] = await waitFor(() => {
      const mine = cancelled.messages.filter((m) => m.key === orderId)
      return mine.length > 0 && mine
    })
    // Inventory releases whatever it reserved for these items (or, if order.placed comes later, reserves nothing).
    expect(JSON.parse(message?.value ?? '')).toEqual({
      order_id: orderId,
      items: [{ product_id: widget, quantity: 3 }],
    })
    // A decision that comes after the timeout changes nothing.
    const late = await h.reserve(orderId)
    await h.handled(late)
    expect(await h.getOrder(orderId, token)).toEqual(order)
  })

  it('leaves an order decided in time alone', async () => {
    const decided = await place()
    await h.reserve(decided)
    const confirmed = await h.waitForStatus(token, decided, 'CONFIRMED')
    // A later order's timeout shows the task has run over the decided one since.
    const undecided = await place()
    await h.waitForStatus(token, undecided, 'REJECTED')
    expect(await h.getOrder(decided, token)).toEqual(confirmed)
  })
})
