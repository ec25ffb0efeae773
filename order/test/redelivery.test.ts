import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createMemoryLogger } from '@shop/shared/log'
import { waitFor } from '@shop/shared/testing/wait-for'
import { ObjectId } from 'mongodb'
import { createCatalogueStore } from '../src/catalogue/store.ts'
import { createOrderWaiters } from '../src/orders/wait.ts'
import { startWorkers } from '../src/worker.ts'
import { createHarness, type Harness, newId } from './harness.ts'

describe('decisions delivered twice, late, or racing other writes', () => {
  let h: Harness
  let token: string
  let widget: string
  const shortage = () => [{ product_id: widget, requested: 5, available: 2 }]

  beforeAll(async () => {
    h = await createHarness()
    token = await h.tokenFor(crypto.randomUUID())
    widget = await h.createProduct({ name: 'Widget', quantity: 1000 })
  })
  afterAll(() => h.stop())

  const place = async () => {
    const res = await h.placeOrder(token, [{ product_id: widget, quantity: 1 }])
    expect(res.status).toBe(201)
    return res.body._id as string
  }

  it('changes nothing when stock.reserved is delivered twice', async () => {
    const orderId = await place()
    const id = crypto.randomUUID()
    await h.reserve(orderId, { id })
    const confirmed = await h.waitForStatus(token, orderId, 'CONFIRMED')
    await h.reserve(orderId, { id })
    await h.handled(id, 2)
    expect(await h.getOrder(orderId, token)).toEqual(confirmed)
  })

  it('changes nothing when stock.rejected is delivered twice', async () => {
    const orderId = await place()
    const id = crypto.randomUUID()
    await h.reject(orderId, shortage(), undefined, { id })
    const rejected = await h.waitForStatus(token, orderId, 'REJECTED')
    await h.reject(orderId, shortage(), undefined, { id })
    await h.handled(id, 2)
    expect(await h.getOrder(orderId, token)).toEqual(rejected)
  })

  it('does not resurrect a cancelled order when stock.reserved or stock.rejected arrives late', async () => {
    const orderId = await place()
    const cancelled = (await h.cancel(orderId, token)).body
    const reservation = crypto.randomUUID()
    await h.reserve(orderId, { id: reservation })
    await h.handled(reservation)
    expect(await h.getOrder(orderId, token)).toEqual(cancelled)
    // Inventory answers a placement that the cancel overtook with a rejection: ignored just the same.
    const rejection = crypto.randomUUID()
    await h.reject(orderId, [], 'order was cancelled', { id: rejection })
    await h.handled(rejection)
    expect(await h.getOrder(orderId, token)).toEqual(cancelled)
  })

  it('keeps a confirmed order confirmed when a stale rejection follows', async () => {
    const orderId = await place()
    await h.reserve(orderId)
    const confirmed = await h.waitForStatus(token, orderId, 'CONFIRMED')
    const rejection = crypto.randomUUID()
    await h.reject(orderId, shortage(), undefined, { id: rejection })
    await h.handled(rejection)
    expect(await h.getOrder(orderId, token)).toEqual(confirmed)
  })

  it('ignores a decision for an order it does not know, creating nothing', async () => {
    const stranger = newId()
    const id = await h.reserve(stranger)
    await h.handled(id)
    expect(h.entries.find((e) => e.event_id === id)).toMatchObject({ level: 'warn', order_id: stranger })
    expect(await h.db.orders.findOne({ _id: new ObjectId(stranger) })).toBeNull()
    expect(await h.eventsOf(stranger)).toEqual([])
  })

  it('applies every decision that arrives while the relay is still marking the placement as sent', async () => {
    const orderIds = await Promise.all(Array.from({ length: 12 }, place))
    // Answer at once, as a fast inventory would, so the decision and the relay's bookkeeping hit one document together.
    await Promise.all(orderIds.map((id, i) => (i % 2 ? h.reserve(id) : h.reject(id, shortage()))))
    for (const [i, id] of orderIds.entries())
      await h.waitForStatus(token, id, i % 2 ? 'CONFIRMED' : 'REJECTED')
    for (const id of orderIds) {
      const events = await waitFor(async () => {
        const all = await h.eventsOf(id)
        return all.every((event) => !event.pending) && all
      })
      expect(events.map((event) => event.seq)).toEqual([1, 2])
      const doc = await h.db.orders.findOne({ _id: new ObjectId(id) })
      expect(doc).toMatchObject({ version: 2 })
      expect(doc?.history).toHaveLength(2)
    }
  })

  it('leaves an order cancelled together with its reservation CANCELLED, with one order.cancelled', async () => {
    const cancelledTap = await h.tap('order.cancelled')
    const orderIds = await Promise.all(Array.from({ length: 10 }, place))
    const answers = await Promise.all(
      orderIds.map(async (id) => {
        const [res] = await Promise.all([h.cancel(id, token), h.reserve(id)])
        return res
      }),
    )
    expect(answers.map((res) => res.status)).toEqual(orderIds.map(() => 200))
    await waitFor(() => orderIds.every((id) => cancelledTap.messages.some((m) => m.key === id)), {
      message: 'an order.cancelled for each order',
    })
    for (const id of orderIds) {
      const order = await h.getOrder(id, token)
      expect(order.status).toBe('CANCELLED')
      expect(order.history.at(-1)?.status).toBe('CANCELLED')
      expect(cancelledTap.messages.filter((m) => m.key === id)).toHaveLength(1)
    }
    // Any reservation still in flight must not bring an order back.
    await waitFor(() =>
      orderIds.every((id) => h.entries.some((e) => e.order_id === id && e.topic === 'stock.reserved')),
    )
    for (const id of orderIds) expect((await h.getOrder(id, token)).status).toBe('CANCELLED')
  })

  it('changes nothing when the whole history is delivered again to a fresh consumer', async () => {
    const snapshot = async () => ({
      orders: await h.db.orders.find({}).sort({ _id: 1 }).toArray(),
      events: await h.db.orderEvents
        .find({}, { projection: { pending: 0, published_at: 0 } })
        .sort({ _id: 1 })
        .toArray(),
    })
    const before = await snapshot()
    const decisions = new Set(
      h.entries.filter((e) => String(e.topic).startsWith('stock.')).map((e) => e.event_id),
    )
    const replay = createMemoryLogger('order')
    // A new group reads from offset 0, as after lost offsets: every event is seen a second time.
    const second = await startWorkers({
      db: h.mongo.db,
      kafka: h.kafka,
      log: replay.log,
      catalogue: createCatalogueStore(),
      waiters: createOrderWaiters(),
      groupId: `${h.groupId}-replay`,
    })
    await waitFor(
      () =>
        new Set(replay.entries.filter((e) => String(e.topic).startsWith('stock.')).map((e) => e.event_id))
          .size >= decisions.size,
      { message: 'the replay to reach every decision' },
    )
    await second.stop()
    expect(await snapshot()).toEqual(before)
    // Nothing is PENDING after all that: every order here got an answer, and none was lost to a duplicate.
    expect(before.orders.filter((order) => order.status === 'PENDING')).toEqual([])
  })
})
