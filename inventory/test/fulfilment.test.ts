import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Inventory, isSkipped, objectId, START_TIMEOUT_MS } from './harness.ts'

describe('stock follows the goods: shipped orders and returned units', () => {
  let inv: Inventory
  beforeAll(async () => {
    inv = await createHarness()
  }, START_TIMEOUT_MS)
  afterAll(() => inv?.stop(), START_TIMEOUT_MS)

  const get = async (product_id: string) =>
    (await (await inv.app.request(`/api/v1/inventory/${product_id}`)).json()) as Record<string, unknown>
  const patch = async (product_id: string, body: unknown) =>
    inv.app.request(`/api/v1/inventory/${product_id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await inv.adminToken()}` },
      body: JSON.stringify(body),
    })

  it('turns a shipped order’s reserved units into shipped ones and publishes stock.updated shipped', async () => {
    const product_id = await inv.productWith(10)
    const order_id = await inv.reservedOrder(product_id, 3)
    await inv.applied((await inv.shipOrder(order_id)).event_id)

    expect(await get(product_id)).toMatchObject({ product_id, stock: 7, reserved: 0, shipped: 3 })
    const shipped = await waitFor(() =>
      inv.published('stock.updated', (p) => p.order_id === order_id && p.reason === 'shipped').at(0),
    )
    expect(shipped).toEqual({
      product_id,
      version: 3,
      stock: 7,
      reserved: 0,
      change: 0,
      reason: 'shipped',
      order_id,
    })
    expect(await inv.row(product_id)).toMatchObject({ initial: 10, adjustments: 0, version: 3 })
  })

  it('ships once when order.shipped is delivered twice, or again under another id', async () => {
    const product_id = await inv.productWith(10)
    const order_id = await inv.reservedOrder(product_id, 2)
    const id = crypto.randomUUID()
    await inv.applied((await inv.shipOrder(order_id, { id })).event_id)
    await inv.shipOrder(order_id, { id })
    await waitFor(() => inv.entries.some((entry) => entry.event_id === id && isSkipped(entry)))
    await inv.applied((await inv.shipOrder(order_id)).event_id)
    expect(await get(product_id)).toMatchObject({ stock: 8, reserved: 0, shipped: 2 })
    expect(
      inv.published('stock.updated', (p) => p.order_id === order_id && p.reason === 'shipped'),
    ).toHaveLength(1)
  })

  it('changes nothing when a shipped order is cancelled, or an unknown or rejected order ships', async () => {
    const product_id = await inv.productWith(4)
    const order_id = await inv.reservedOrder(product_id, 2)
    await inv.applied((await inv.shipOrder(order_id)).event_id)
    await inv.applied((await inv.cancelOrder(order_id, [{ product_id, quantity: 2 }])).event_id)
    await inv.applied((await inv.shipOrder(objectId())).event_id)
    const { order_id: rejected } = await inv.placeOrder([{ product_id, quantity: 5 }])
    await waitFor(() => inv.published('stock.rejected', (p) => p.order_id === rejected).length === 1)
    await inv.applied((await inv.shipOrder(rejected)).event_id)
    expect(await get(product_id)).toMatchObject({ stock: 2, reserved: 0, shipped: 2 })
  })

  it('puts returned units back on the shelf with an admin adjustment of reason returned', async () => {
    const product_id = await inv.productWith(6)
    const order_id = await inv.reservedOrder(product_id, 4)
    await inv.applied((await inv.shipOrder(order_id)).event_id)

    const res = await patch(product_id, { delta: 3, reason: 'returned' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ stock: 5, reserved: 0, shipped: 1 })
    const returned = await waitFor(() =>
      inv.published('stock.updated', (p) => p.product_id === product_id && p.reason === 'returned').at(0),
    )
    expect(returned).toMatchObject({ stock: 5, change: 3 })
    expect(await inv.row(product_id)).toMatchObject({ initial: 6, adjustments: 0 })

    const tooMany = await patch(product_id, { delta: 2, reason: 'returned' })
    expect(tooMany.status).toBe(409)
    expect(((await tooMany.json()) as { detail: string }).detail).toBe(
      'Only 1 units were shipped; 2 cannot come back',
    )
    for (const body of [
      { delta: -1, reason: 'returned' },
      { stock: 3, reason: 'returned' },
      { delta: 1, reason: 'stolen' },
    ]) {
      expect({ body, status: (await patch(product_id, body)).status }).toEqual({ body, status: 400 })
    }
    expect(await get(product_id)).toMatchObject({ stock: 5, shipped: 1 })
  })

  it('conserves every product after concurrent placements, cancels, shipments and adjustments, and the ledger sums to the figures', async () => {
    const products = await Promise.all([20, 15, 8].map((quantity) => inv.productWith(quantity)))
    const orders = Array.from({ length: 36 }, (_, i) => ({
      order_id: objectId(),
      items: [
        { product_id: products[i % 3] as string, quantity: 1 + (i % 4) },
        { product_id: products[(i + 1) % 3] as string, quantity: 1 },
      ],
    }))
    await Promise.all([
      ...orders.map(({ order_id, items }) => inv.placeOrder(items, order_id)),
      ...products.map((id) => patch(id, { delta: 5 })),
    ])
    const decided = (order_id: string) =>
      inv.published('stock.reserved', (p) => p.order_id === order_id).length +
      inv.published('stock.rejected', (p) => p.order_id === order_id).length
    await waitFor(() => orders.every(({ order_id }) => decided(order_id) === 1), { message: '36 outcomes' })
    // A third cancelled, a third shipped, both at once; a cancel may race its own shipment (one of them wins).
    const events = await Promise.all(
      orders.flatMap(({ order_id, items }, i) => [
        ...(i % 3 === 0 ? [inv.cancelOrder(order_id, items)] : []),
        ...(i % 3 === 1 || i % 9 === 0 ? [inv.shipOrder(order_id)] : []),
      ]),
    )
    for (const { event_id } of events) await inv.applied(event_id)

    const rows = await inv.sql<
      {
        product_id: string
        booked: number
        counted: number
        stock: number
        reserved: number
        shipped: number
      }[]
    >`
      SELECT product_id, initial + adjustments AS booked, stock + reserved + shipped AS counted, stock, reserved, shipped
      FROM stock WHERE product_id IN ${inv.sql(products)}`
    const ledger = await inv.sql<{ product_id: string; stock: number; reserved: number; shipped: number }[]>`
      SELECT product_id, sum(stock_change)::int AS stock, sum(reserved_change)::int AS reserved,
             sum(shipped_change)::int AS shipped
      FROM stock_movements WHERE product_id IN ${inv.sql(products)} GROUP BY product_id`
    const held = await inv.sql<{ product_id: string; reserved: number; shipped: number }[]>`
      SELECT product_id, coalesce(sum(quantity) FILTER (WHERE status = 'reserved'), 0)::int AS reserved,
             coalesce(sum(quantity) FILTER (WHERE status = 'shipped'), 0)::int AS shipped
      FROM reservations WHERE product_id IN ${inv.sql(products)} GROUP BY product_id`
    expect(rows).toHaveLength(3)
    for (const row of rows) {
      const { product_id, stock, reserved, shipped } = row
      expect({ product_id, counted: row.counted }).toEqual({ product_id, counted: row.booked })
      expect(ledger.find((l) => l.product_id === product_id)).toEqual({
        product_id,
        stock,
        reserved,
        shipped,
      })
      expect(held.find((h) => h.product_id === product_id)).toEqual({ product_id, reserved, shipped })
    }
    expect(rows.some((row) => row.shipped > 0)).toBe(true)
  }, 60_000)
})
