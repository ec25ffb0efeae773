import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { outboxMessage } from '@shop/shared/outbox/message'
import { waitFor } from '@shop/shared/testing/wait-for'
import { ObjectId } from 'mongodb'
import { importLegacyOrders } from '../src/orders/legacy-import.ts'
import { createHarness, type Harness } from './harness.ts'

describe('orders written by the older single-document layout', () => {
  let h: Harness
  let userId: string
  let token: string

  beforeAll(async () => {
    h = await createHarness()
    userId = crypto.randomUUID()
    token = await h.tokenFor(userId)
  })
  afterAll(() => h.stop())

  /** An order as the older code stored it: its outbox inside, `sent` of its messages published. */
  const legacyOrder = (status: 'PENDING' | 'CONFIRMED', sent: number) => {
    const _id = new ObjectId()
    const id = _id.toHexString()
    const items = [{ product_id: new ObjectId().toHexString(), quantity: 2 }]
    const created = new Date(Date.now() - 60_000)
    const history = [
      { status: 'PENDING', at: created },
      ...(status === 'CONFIRMED' ? [{ status, at: new Date() }] : []),
    ]
    return {
      _id,
      user_id: userId,
      items: items.map((item) => ({ ...item, name: 'Widget', unit_price_cents: 999 })),
      total_cents: 1998,
      address_id: null,
      status,
      reason: null,
      history,
      idempotency_key: null,
      request_hash: null,
      version: history.length - 1,
      created_at: created,
      updated_at: history.at(-1)?.at ?? created,
      outbox: [outboxMessage('order.placed', { order_id: id, user_id: userId, items }, { key: id })],
      outbox_sent: sent,
      outbox_pending: 1 - sent,
      outbox_ready: sent === 0,
      outbox_lease: 0,
    }
  }

  it('moves them into the log: unpublished events go out, and they can be moved again', async () => {
    const placed = await h.tap('order.placed')
    const cancelled = await h.tap('order.cancelled')
    const unsent = legacyOrder('PENDING', 0)
    const confirmed = legacyOrder('CONFIRMED', 1)
    await h.mongo.db.collection('orders').insertMany([unsent, confirmed])

    expect(await importLegacyOrders(h.mongo.db, h.log)).toBe(2)
    expect(await importLegacyOrders(h.mongo.db, h.log)).toBe(0)
    h.workers?.wakeRelay()

    await waitFor(() => placed.messages.some((m) => m.key === unsent._id.toHexString()), {
      message: 'the unpublished order.placed to go out',
    })
    expect(placed.messages.some((m) => m.key === confirmed._id.toHexString())).toBe(false)

    const before = await h.getOrder(confirmed._id.toHexString(), token)
    expect(before.history.map((entry) => entry.status)).toEqual(['PENDING', 'CONFIRMED'])
    expect(Object.keys(before)).not.toContain('outbox')
    const res = await h.cancel(confirmed._id.toHexString(), token)
    expect(res.status).toBe(200)
    expect(res.body.history.map((entry: { status: string }) => entry.status)).toEqual([
      'PENDING',
      'CONFIRMED',
      'CANCELLED',
    ])
    await waitFor(() => cancelled.messages.some((m) => m.key === confirmed._id.toHexString()))
    const stored = await h.db.orders.findOne({ _id: confirmed._id })
    expect(stored).not.toHaveProperty('outbox')
  })
})
