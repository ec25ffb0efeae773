import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { outboxMessage } from '@shop/shared/outbox/message'
import { waitFor } from '@shop/shared/testing/wait-for'
import { ObjectId } from 'mongodb'
import { createCatalogueStore } from '../src/catalogue/store.ts'
import { newEvent } from '../src/orders/event-log.ts'
import { createOrderWaiters } from '../src/orders/wait.ts'
import { startWorkers, type Workers } from '../src/worker.ts'
import { createHarness, type Harness } from './harness.ts'

describe('an order event whose writer died between the log and the outbox', () => {
  let h: Harness
  let workers: Workers | undefined

  beforeAll(async () => {
    h = await createHarness({ workers: false })
  })
  afterAll(async () => {
    await workers?.stop()
    await h.stop()
  })

  it('is still published, and marked published in the log, by the next relay to take the lease', async () => {
    const orderId = new ObjectId().toHexString()
    const message = outboxMessage(
      'order.placed',
      { order_id: orderId, user_id: crypto.randomUUID(), items: [{ product_id: orderId, quantity: 1 }] },
      { key: orderId },
    )
    // In the log (the decision) but never copied into the outbox: the process died between the two inserts.
    const at = new Date(Date.now() - 60_000)
    await h.db.orderEvents.insertOne(newEvent(orderId, 1, { status: 'PENDING', at, reason: null, message }))
    expect(await h.db.orderOutbox.countDocuments()).toBe(0)

    const placed = await h.tap('order.placed')
    workers = await startWorkers({
      db: h.mongo.db,
      kafka: h.kafka,
      log: h.log,
      catalogue: createCatalogueStore(),
      waiters: createOrderWaiters(),
      groupId: h.groupId,
    })
    await waitFor(() => placed.messages.some((m) => m.key === orderId), { message: 'order.placed published' })
    await waitFor(async () => (await h.eventsOf(orderId))[0]?.pending === false, {
      message: 'the log event marked published',
    })
    expect(await h.db.orderOutbox.countDocuments()).toBe(0)
    expect(placed.messages.filter((m) => m.key === orderId)).toHaveLength(1)
  })
})
