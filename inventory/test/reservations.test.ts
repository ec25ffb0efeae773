import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CE_HEADERS, DLQ_HEADERS } from '@shop/shared/events/envelope'
import { testServers } from '@shop/shared/testing/servers'
import { waitFor } from '@shop/shared/testing/wait-for'
import { Kafka, logLevel } from 'kafkajs'
import { createHarness, type Inventory, isSkipped, objectId, START_TIMEOUT_MS } from './harness.ts'

describe('orders reserve stock all or nothing', () => {
  let inv: Inventory
  beforeAll(async () => {
    inv = await createHarness()
  }, START_TIMEOUT_MS)
  afterAll(() => inv?.stop(), START_TIMEOUT_MS)

  const reservedFor = (order_id: string) => inv.published('stock.reserved', (p) => p.order_id === order_id)
  const rejectedFor = (order_id: string) => inv.published('stock.rejected', (p) => p.order_id === order_id)
  const updatesFor = (order_id: string) => inv.published('stock.updated', (p) => p.order_id === order_id)
  const reservationsOf = async (order_id: string) => [
    ...(await inv.sql<{ product_id: string; quantity: number; status: string }[]>`
      SELECT product_id, quantity, status FROM reservations WHERE order_id = ${order_id} ORDER BY product_id`),
  ]

  it('reserves every item and publishes stock.reserved plus one stock.updated per product', async () => {
    const [a, b] = [await inv.productWith(5), await inv.productWith(3)]
    const { order_id } = await inv.placeOrder(
      [
        { product_id: a, quantity: 2 },
        { product_id: b, quantity: 3 },
      ],
      objectId(),
      { correlationId: 'req-place-1' },
    )
    await waitFor(() => reservedFor(order_id).length === 1, { message: 'stock.reserved' })
    const updates = await waitFor(() => updatesFor(order_id).length === 2 && updatesFor(order_id))
    expect(updates).toContainEqual({
      product_id: a,
      version: 2,
      stock: 3,
      reserved: 2,
      change: -2,
      reason: 'reserved',
      order_id,
    })
    expect(updates).toContainEqual({
      product_id: b,
      version: 2,
      stock: 0,
      reserved: 3,
      change: -3,
      reason: 'reserved',
      order_id,
    })
    expect(await inv.stockOnSale(a)).toMatchObject({ stock: 3, reserved: 2 })
    expect(await inv.stockOnSale(b)).toMatchObject({ stock: 0, reserved: 3 })
    expect(await reservationsOf(order_id)).toHaveLength(2)
    expect(rejectedFor(order_id)).toHaveLength(0)
    const reserved = inv.messages('stock.reserved').find((m) => m.key === order_id)
    expect(reserved?.headers[CE_HEADERS.correlationId]).toBe('req-place-1')
  })

  it('reserves nothing and publishes stock.rejected with the shortage when one item cannot be filled', async () => {
    const [plenty, scarce] = [await inv.productWith(5), await inv.productWith(1)]
    const { order_id } = await inv.placeOrder([
      { product_id: plenty, quantity: 2 },
      { product_id: scarce, quantity: 2 },
    ])
    const [rejection] = await waitFor(() => rejectedFor(order_id).length === 1 && rejectedFor(order_id))
    expect(rejection).toMatchObject({
      order_id,
      shortages: [{ product_id: scarce, requested: 2, available: 1 }],
      reason: expect.stringContaining(scarce),
    })
    expect(await inv.stockOnSale(plenty)).toMatchObject({ stock: 5, reserved: 0 })
    expect(await inv.stockOnSale(scarce)).toMatchObject({ stock: 1, reserved: 0 })
    expect(await reservationsOf(order_id)).toHaveLength(0)
    expect(updatesFor(order_id)).toHaveLength(0)
    expect(reservedFor(order_id)).toHaveLength(0)
  })

  it('rejects an order for an unknown product with 0 available and says why', async () => {
    const known = await inv.productWith(4)
    const unknown = objectId()
    const { order_id } = await inv.placeOrder([
      { product_id: known, quantity: 1 },
      { product_id: unknown, quantity: 1 },
    ])
    const [rejection] = await waitFor(() => rejectedFor(order_id).length === 1 && rejectedFor(order_id))
    expect(rejection?.shortages).toEqual([{ product_id: unknown, requested: 1, available: 0 }])
    expect(rejection?.reason).toContain('unknown or removed product')
    expect(await inv.stockOnSale(known)).toMatchObject({ stock: 4, reserved: 0 })
  })

  it('reserves once when the same order.placed is delivered twice', async () => {
    const product_id = await inv.productWith(5)
    const id = crypto.randomUUID()
    const { order_id } = await inv.placeOrder([{ product_id, quantity: 2 }], objectId(), { id })
    await inv.placeOrder([{ product_id, quantity: 2 }], order_id, { id })
    await waitFor(() => inv.entries.some((entry) => entry.event_id === id && isSkipped(entry)), {
      message: 'the second delivery to be skipped',
    })
    await waitFor(() => reservedFor(order_id).length === 1)
    expect(await inv.stockOnSale(product_id)).toMatchObject({ stock: 3, reserved: 2 })
    expect(await reservationsOf(order_id)).toEqual([{ product_id, quantity: 2, status: 'reserved' }])
    expect(updatesFor(order_id)).toHaveLength(1)
  })

  it('returns what a cancelled order held and publishes stock.updated released', async () => {
    const product_id = await inv.productWith(6)
    const items = [{ product_id, quantity: 4 }]
    const { order_id } = await inv.placeOrder(items)
    await waitFor(() => reservedFor(order_id).length === 1)
    await inv.applied((await inv.cancelOrder(order_id, items)).event_id)
    expect(await inv.stockOnSale(product_id)).toMatchObject({ stock: 6, reserved: 0 })
    const released = await waitFor(() => updatesFor(order_id).find((p) => p.reason === 'released'))
    expect(released).toEqual({
      product_id,
      version: 3,
      stock: 6,
      reserved: 0,
      change: 4,
      reason: 'released',
      order_id,
    })
    expect(await reservationsOf(order_id)).toEqual([{ product_id, quantity: 4, status: 'released' }])
  })

  it('leaves stock untouched when a cancellation overtakes its placement', async () => {
    const product_id = await inv.productWith(5)
    const items = [{ product_id, quantity: 3 }]
    const order_id = objectId()
    await inv.applied((await inv.cancelOrder(order_id, items)).event_id)
    await inv.placeOrder(items, order_id)
    const [rejection] = await waitFor(() => rejectedFor(order_id).length === 1 && rejectedFor(order_id))
    expect(rejection).toEqual({ order_id, shortages: [], reason: 'order was cancelled' })
    expect(await inv.stockOnSale(product_id)).toMatchObject({ stock: 5, reserved: 0 })
    expect(await reservationsOf(order_id)).toHaveLength(0)
    expect(reservedFor(order_id)).toHaveLength(0)
  })

  it('parks a poison order.placed on order.placed.dlq and still serves the next order', async () => {
    const dlq = await inv.kafka.tap('order.placed.dlq')
    const product_id = await inv.productWith(2)
    const next = objectId()
    const producer = new Kafka({ brokers: testServers.kafkaBrokers, logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    // Same key as the next order, so both land on one partition and the good one comes after the bad one.
    await producer.send({
      topic: inv.kafka.physical('order.placed'),
      messages: [{ key: next, value: '{"order_id": ', headers: { [CE_HEADERS.id]: crypto.randomUUID() } }],
    })
    await producer.disconnect()
    await inv.placeOrder([{ product_id, quantity: 1 }], next)

    await waitFor(() => reservedFor(next).length === 1, { message: 'the next order to be reserved' })
    const [parked] = await waitFor(() => dlq.messages.length === 1 && dlq.messages, {
      message: 'the parked one',
    })
    expect(parked?.value).toBe('{"order_id": ')
    expect(parked?.headers[DLQ_HEADERS.reason]).toStartWith('invalid JSON')
    expect(inv.entries.some((entry) => entry.msg === 'Parked poison message on dead-letter topic')).toBe(true)
    await dlq.stop()
  })

  it('parks an event it can never apply (its id is not a uuid) instead of retrying it forever', async () => {
    const dlq = await inv.kafka.tap('order.placed.dlq')
    const product_id = await inv.productWith(3)
    const stuck = objectId()
    await inv.placeOrder([{ product_id, quantity: 1 }], stuck, { id: 'not-a-uuid' })
    // The same order again under a fresh id: same key, same partition, so it waits behind the stuck one.
    const { order_id } = await inv.placeOrder([{ product_id, quantity: 1 }], stuck)
    await waitFor(() => reservedFor(order_id).length === 1, { message: 'the next order to be reserved' })
    const parked = await waitFor(() => dlq.messages.find((m) => m.key === stuck), {
      message: 'the parked one',
    })
    expect(parked?.headers[DLQ_HEADERS.reason]).toContain('cannot be applied')
    expect(await inv.stockOnSale(product_id)).toMatchObject({ stock: 2, reserved: 1 })
    await dlq.stop()
  })

  it('reserves exactly the stock there is when 50 orders for it arrive at once from several partitions', async () => {
    const product_id = await inv.productWith(10)
    const placed = await inv.kafka.tap('order.placed')
    const orders = Array.from({ length: 50 }, () => objectId())
    await Promise.all(orders.map((order_id) => inv.placeOrder([{ product_id, quantity: 1 }], order_id)))

    const decided = (order_id: string) => reservedFor(order_id).length + rejectedFor(order_id).length
    await waitFor(() => orders.every((order_id) => decided(order_id) === 1), { message: '50 outcomes' })
    const confirmed = orders.filter((order_id) => reservedFor(order_id).length === 1)
    expect(confirmed).toHaveLength(10)
    expect(orders.filter((order_id) => rejectedFor(order_id).length === 1)).toHaveLength(40)
    expect(await inv.stockOnSale(product_id)).toMatchObject({ stock: 0, reserved: 10 })

    const levels = inv.published(
      'stock.updated',
      (p) => p.product_id === product_id && p.reason === 'reserved',
    )
    expect(levels.map((p) => p.stock).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const [held] = await inv.sql`
      SELECT count(*)::int AS orders, sum(quantity)::int AS units FROM reservations
      WHERE product_id = ${product_id} AND status = 'reserved'`
    expect(held).toEqual({ orders: 10, units: 10 })
    const partitions = new Set(
      placed.messages.filter((m) => orders.includes(m.key ?? '')).map((m) => m.partition),
    )
    expect(partitions.size).toBeGreaterThan(1)
    await placed.stop()
  })

  it('conserves stock: initial plus adjustments equals stock plus what confirmed orders hold', async () => {
    const product_id = await inv.productWith(10)
    const admin = { Authorization: `Bearer ${await inv.adminToken()}`, 'Content-Type': 'application/json' }
    const patch = (body: object) =>
      inv.app.request(`/api/v1/inventory/${product_id}`, {
        method: 'PATCH',
        headers: admin,
        body: JSON.stringify(body),
      })
    const first = await inv.placeOrder([{ product_id, quantity: 3 }])
    expect((await patch({ delta: 5 })).status).toBe(200)
    const second = await inv.placeOrder([{ product_id, quantity: 4 }])
    await waitFor(() => reservedFor(first.order_id).length + reservedFor(second.order_id).length === 2)
    await inv.applied((await inv.cancelOrder(first.order_id, [{ product_id, quantity: 3 }])).event_id)
    expect((await patch({ stock: 2 })).status).toBe(200)
    const removed = await inv.deleteProduct(product_id)
    await inv.applied(removed)
    await inv.applied((await inv.cancelOrder(second.order_id, [{ product_id, quantity: 4 }])).event_id)

    expect(await inv.row(product_id)).toMatchObject({ stock: 0, reserved: 0, initial: 10, adjustments: -10 })
    const rows = await inv.sql<
      { product_id: string; booked: number; counted: number; reserved: number; held: number }[]
    >`
      SELECT s.product_id, s.initial + s.adjustments AS booked, s.stock + s.reserved AS counted, s.reserved,
             coalesce(sum(r.quantity) FILTER (WHERE r.status = 'reserved' AND o.state = 'placed'), 0)::int AS held
      FROM stock s
      LEFT JOIN reservations r ON r.product_id = s.product_id
      LEFT JOIN order_outcomes o ON o.order_id = r.order_id
      GROUP BY s.product_id`
    expect(rows.length).toBeGreaterThan(10)
    for (const row of rows) {
      expect({ id: row.product_id, counted: row.counted, held: row.held }).toEqual({
        id: row.product_id,
        counted: row.booked,
        held: row.reserved,
      })
    }
  })
})
