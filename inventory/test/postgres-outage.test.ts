import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CE_HEADERS } from '@shop/shared/events/envelope'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Inventory, isReceived, START_TIMEOUT_MS } from './harness.ts'
import { createOwnPostgres, type OwnPostgres } from './own-postgres.ts'

describe('a PostgreSQL outage mid-stream', () => {
  let pg: OwnPostgres
  let inv: Inventory

  beforeAll(async () => {
    pg = createOwnPostgres()
    pg.start()
    inv = await createHarness({ databaseUrl: pg.url })
  }, START_TIMEOUT_MS)
  afterAll(async () => {
    await inv?.stop()
    pg?.remove()
  }, START_TIMEOUT_MS)

  it('skips no event and applies each exactly once when the database is back', async () => {
    const { product_id } = await inv.createProduct(100)
    await inv.stockOnSale(product_id)
    const place = () => inv.placeOrder([{ product_id, quantity: 2 }])

    const before = await Promise.all(Array.from({ length: 5 }, place))
    await waitFor(() => inv.published('stock.reserved').length >= 2, { message: 'the stream to be flowing' })
    pg.crash()
    const during = await Promise.all(Array.from({ length: 10 }, place))
    const cancelled = before[0]?.order_id ?? ''
    const cancel = await inv.cancelOrder(cancelled, [{ product_id, quantity: 2 }])
    await waitFor(() => inv.entries.some((entry) => entry.msg === 'Message handler failed; retrying'), {
      message: 'a handler to fail and retry',
    })
    expect((await inv.app.request('/ready')).status).toBe(503)
    pg.start()

    const orders = [...before, ...during].map((order) => order.order_id)
    const reservedIds = () => new Set(inv.published('stock.reserved').map((p) => p.order_id))
    await waitFor(() => orders.every((id) => reservedIds().has(id)), {
      timeoutMs: 30_000,
      message: '15 reserved',
    })
    await inv.applied(cancel.event_id)

    expect(await inv.stockOnSale(product_id)).toEqual(expect.objectContaining({ stock: 72, reserved: 28 }))
    const [held] = await inv.sql`
      SELECT count(*) FILTER (WHERE status = 'reserved')::int AS reserved,
             count(*) FILTER (WHERE status = 'released')::int AS released
      FROM reservations`
    expect(held).toEqual({ reserved: 14, released: 1 })
    // 1 product, 15 orders, 1 cancellation: each applied once, each logged once as received.
    const [processed] = await inv.sql`SELECT count(*)::int AS n FROM processed_events`
    expect(processed?.n).toBe(17)
    const received = inv.entries.filter(isReceived).map((entry) => entry.event_id)
    expect(received).toHaveLength(17)
    expect(new Set(received).size).toBe(17)
    // A re-send after the outage carries the same CloudEvents id, so each order has one stock.reserved id.
    for (const order_id of orders) {
      const ids = inv
        .messages('stock.reserved')
        .filter((m) => m.key === order_id)
        .map((m) => m.headers[CE_HEADERS.id])
      expect(new Set(ids).size).toBe(1)
    }
  }, 60_000)
})
