import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { waitFor } from '@shop/shared/testing/wait-for'
import { pruningTasks } from '../src/pruning.ts'
import { createHarness, type Inventory, isSkipped, objectId, RETENTION, START_TIMEOUT_MS } from './harness.ts'

const DAY_MS = 24 * 60 * 60 * 1000

describe('pruning keeps exactly-once effects inside the retention window', () => {
  let inv: Inventory
  beforeAll(async () => {
    inv = await createHarness()
  }, START_TIMEOUT_MS)
  afterAll(() => inv?.stop(), START_TIMEOUT_MS)

  /** Runs every pruning task once as if the clock read `daysAhead` days from now. */
  const pruneAt = async (daysAhead: number) => {
    const later = new Date(Date.now() + daysAhead * DAY_MS)
    let handled = 0
    for (const task of pruningTasks(inv.sql, RETENTION, () => later)) handled += await task.run()
    return handled
  }
  const count = async (table: 'processed_events' | 'order_outcomes' | 'reservations', orderId?: string) => {
    const where = orderId ? inv.sql`WHERE order_id = ${orderId}` : inv.sql``
    const [row] = await inv.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${inv.sql(table)} ${where}`
    return row?.n ?? 0
  }
  const sentOutbox = async () => {
    const [row] = await inv.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NOT NULL`
    return row?.n ?? 0
  }

  it('still recognises a redelivery 7 days on, and forgets it only past 8 days', async () => {
    const { product_id } = await inv.createProduct(5)
    await inv.stockOnSale(product_id)
    const id = crypto.randomUUID()
    const items = [{ product_id, quantity: 2 }]
    const { order_id: cancelled } = await inv.placeOrder(items, objectId(), { id })
    await inv.applied(id)
    await inv.applied((await inv.cancelOrder(cancelled, items)).event_id)
    const { order_id: holding } = await inv.placeOrder(items)
    await waitFor(() => inv.published('stock.reserved', (p) => p.order_id === holding).length === 1)
    await waitFor(async () => (await sentOutbox()) > 0 && (await count('processed_events')) >= 4)

    // A week later: sent outbox rows are gone (kept a day), consumed ids are not (kept 8 days).
    expect(await pruneAt(7)).toBeGreaterThan(0)
    expect(await sentOutbox()).toBe(0)
    expect(await count('processed_events')).toBeGreaterThanOrEqual(4)
    expect(await count('order_outcomes', cancelled)).toBe(1)
    await inv.placeOrder(items, cancelled, { id })
    await waitFor(() => inv.entries.some((entry) => entry.event_id === id && isSkipped(entry)), {
      message: 'the redelivery to be skipped',
    })
    expect(await inv.stockOnSale(product_id)).toMatchObject({ stock: 3, reserved: 2 })

    // Past 8 days: the ids and the finished order's bookkeeping go; the order still holding stock stays.
    await pruneAt(9)
    expect(await count('processed_events')).toBe(0)
    expect(await count('order_outcomes', cancelled)).toBe(0)
    expect(await count('reservations', cancelled)).toBe(0)
    expect(await count('order_outcomes', holding)).toBe(1)
    expect(await count('reservations', holding)).toBe(1)
    expect(await inv.stockOnSale(product_id)).toMatchObject({ stock: 3, reserved: 2 })
  })
})
