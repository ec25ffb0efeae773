import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { OutboxMessage } from '@shop/shared/outbox/message'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createEventLog, eventId, newEvent } from '../src/orders/event-log.ts'
import { createHarness, type Harness } from './harness.ts'

/** An event as a bug would have written it, around outboxMessage's own check: it can never be published. */
const unpublishable = (orderId: string): OutboxMessage => ({
  id: crypto.randomUUID(),
  topic: 'order.paid',
  key: orderId,
  payload: { order_id: orderId, items: [] },
  correlation_id: null,
  created_at: new Date().toISOString(),
})

const shipped = (orderId: string): OutboxMessage => ({
  id: crypto.randomUUID(),
  topic: 'order.shipped',
  key: orderId,
  payload: { order_id: orderId },
  correlation_id: null,
  created_at: new Date().toISOString(),
})

describe('an order event that can never be published', () => {
  let h: Harness
  let token: string
  let widget: string

  beforeAll(async () => {
    h = await createHarness()
    token = await h.tokenFor(crypto.randomUUID())
    widget = await h.createProduct({ quantity: 100 })
  })
  afterAll(() => h.stop())

  const place = async () => {
    const res = await h.placeOrder(token, [{ product_id: widget, quantity: 1 }])
    expect(res.status).toBe(201)
    return res.body._id as string
  }

  it('is parked with its error; other orders go on, later events of its own order wait behind it', async () => {
    const placed = await h.tap('order.placed')
    const shippedTap = await h.tap('order.shipped')
    const stuck = await place()
    await waitFor(async () => (await h.eventsOf(stuck)).every((event) => !event.pending))
    const at = new Date()
    const log = createEventLog(h.db.orderEvents, h.db.orderOutbox)
    await log.append(newEvent(stuck, 2, { status: 'PAID', at, reason: null, message: unpublishable(stuck) }))
    await log.append(newEvent(stuck, 3, { status: 'SHIPPED', at, reason: null, message: shipped(stuck) }))
    h.workers?.wakeRelay()

    const parked = await waitFor(async () => {
      const event = await h.db.orderEvents.findOne({ _id: eventId(stuck, 2) })
      return event?.parked && event
    })
    expect(parked.parked?.error).toContain('InvalidEventError')
    expect(parked.pending).toBe(true)
    const line = await waitFor(() => h.entries.find((e) => String(e.msg).startsWith('Outbox event parked')))
    expect(line).toMatchObject({ level: 'error', order_id: stuck, seq: 2, topic: 'order.paid' })

    // Other orders are published as before.
    const others = await Promise.all([place(), place(), place()])
    await waitFor(() => others.every((id) => placed.messages.some((m) => m.key === id)), {
      message: 'the other orders to be published',
    })
    // The parked event's successor stays pending and unpublished, so per-order order holds.
    const third = await h.db.orderEvents.findOne({ _id: eventId(stuck, 3) })
    expect(third).toMatchObject({ pending: true })
    expect(third?.parked).toBeUndefined()
    expect(shippedTap.messages.filter((m) => m.key === stuck)).toEqual([])
  })
})
