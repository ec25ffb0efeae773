import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Inventory, objectId, START_TIMEOUT_MS } from './harness.ts'

interface Movement {
  version: number
  reason: string
  order_id: string | null
  stock_change: number
  reserved_change: number
  shipped_change: number
  stock: number
  reserved: number
  shipped: number
  actor: string | null
}

describe('the stock ledger and reorder levels', () => {
  let inv: Inventory
  beforeAll(async () => {
    inv = await createHarness()
  }, START_TIMEOUT_MS)
  afterAll(() => inv?.stop(), START_TIMEOUT_MS)

  const admin = async () => ({ Authorization: `Bearer ${await inv.adminToken()}` })
  const history = async (product_id: string, query = '', headers?: Record<string, string>) =>
    inv.app.request(`/api/v1/inventory/${product_id}/history${query}`, {
      headers: headers ?? (await admin()),
    })
  const patch = async (product_id: string, body: unknown) =>
    inv.app.request(`/api/v1/inventory/${product_id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', ...(await admin()) },
      body: JSON.stringify(body),
    })
  const lowFor = (product_id: string) => inv.published('stock.low', (p) => p.product_id === product_id)

  it('lists every change of a product newest first, with order id, reason, deltas and resulting figures', async () => {
    const product_id = await inv.productWith(10)
    const kept = await inv.reservedOrder(product_id, 3)
    const dropped = await inv.reservedOrder(product_id, 2)
    await inv.applied((await inv.cancelOrder(dropped, [{ product_id, quantity: 2 }])).event_id)
    await inv.applied((await inv.shipOrder(kept)).event_id)
    expect((await patch(product_id, { delta: 4 })).status).toBe(200)
    expect((await patch(product_id, { delta: 1, reason: 'returned' })).status).toBe(200)
    await inv.applied(await inv.deleteProduct(product_id))

    const res = await history(product_id)
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Total-Count')).toBe('8')
    const rows = (await res.json()) as Movement[]
    const brief = rows.map((m) => [m.version, m.reason, m.stock_change, m.reserved_change, m.shipped_change])
    expect(brief).toEqual([
      [8, 'removed', -12, 0, 0],
      [7, 'returned', 1, 0, -1],
      [6, 'adjusted', 4, 0, 0],
      [5, 'shipped', 0, -3, 3],
      [4, 'released', 2, -2, 0],
      [3, 'reserved', -2, 2, 0],
      [2, 'reserved', -3, 3, 0],
      [1, 'initial', 10, 0, 0],
    ])
    expect(rows[3]).toMatchObject({ order_id: kept, stock: 7, reserved: 0, shipped: 3 })
    expect(rows[4]).toMatchObject({ order_id: dropped, stock: 7, reserved: 3 })
    expect(rows[2]).toMatchObject({ actor: expect.any(String), order_id: null, stock: 11 })
    expect(rows[0]).toMatchObject({ stock: 0, reserved: 0, shipped: 2 })
    const sum = (key: 'stock_change' | 'reserved_change' | 'shipped_change') =>
      rows.reduce((total, m) => total + m[key], 0)
    expect([sum('stock_change'), sum('reserved_change'), sum('shipped_change')]).toEqual([0, 0, 2])

    const page = await history(product_id, '?skip=2&limit=3')
    expect(page.headers.get('X-Total-Count')).toBe('8')
    expect(((await page.json()) as Movement[]).map((m) => m.version)).toEqual([6, 5, 4])
  })

  it('keeps the history to admins, 404 for an unknown product, 400 for bad paging', async () => {
    const product_id = await inv.productWith(1)
    expect((await history(product_id, '', {})).status).toBe(401)
    const customer = { Authorization: `Bearer ${await inv.customerToken()}` }
    expect((await history(product_id, '', customer)).status).toBe(403)
    expect((await history(objectId())).status).toBe(404)
    expect((await history('nope')).status).toBe(400)
    for (const query of ['?limit=0', '?limit=101', '?skip=-1', '?skip=10001', '?x=1']) {
      expect({ query, status: (await history(product_id, query)).status }).toEqual({ query, status: 400 })
    }
  })

  it('defaults the reorder threshold to the larger of 5 and 10 % of the initial quantity', async () => {
    const [small, large] = [await inv.productWith(20), await inv.productWith(130)]
    const threshold = async (id: string) =>
      ((await (await inv.app.request(`/api/v1/inventory/${id}`)).json()) as { reorder_threshold: number })
        .reorder_threshold
    expect([await threshold(small), await threshold(large)]).toEqual([5, 13])
  })

  it('publishes stock.low once per crossing, and again only after a refill above the threshold', async () => {
    const product_id = await inv.productWith(12)
    const first = await inv.reservedOrder(product_id, 7)
    await waitFor(() => lowFor(product_id).length === 1, { message: 'stock.low' })
    expect(lowFor(product_id)).toEqual([{ product_id, stock: 5, reorder_threshold: 5 }])
    const second = await inv.reservedOrder(product_id, 1)
    await inv.applied((await inv.cancelOrder(second, [{ product_id, quantity: 1 }])).event_id)
    await inv.applied((await inv.cancelOrder(first, [{ product_id, quantity: 7 }])).event_id)
    await inv.reservedOrder(product_id, 9)
    await waitFor(() => lowFor(product_id).length === 2, { message: 'a second stock.low' })
    expect(lowFor(product_id)[1]).toEqual({ product_id, stock: 3, reorder_threshold: 5 })
  })

  it('sets the threshold with PATCH, lists low products at ?low_stock=true and /low-stock', async () => {
    const [ample, scarce] = [await inv.productWith(50), await inv.productWith(9)]
    const res = await patch(ample, { reorder_threshold: 60 })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ stock: 50, reorder_threshold: 60 })
    await waitFor(() => lowFor(ample).length === 1, { message: 'stock.low after raising the threshold' })
    expect((await patch(scarce, { reorder_threshold: 3 })).status).toBe(200)

    for (const path of ['/?low_stock=true', '/low-stock']) {
      const list = await inv.app.request(`/api/v1/inventory${path}`)
      const ids = (
        (await list.json()) as { product_id: string; stock: number; reorder_threshold: number }[]
      ).map((e) => e.product_id)
      expect(ids).toContain(ample)
      expect(ids).not.toContain(scarce)
      expect(Number(list.headers.get('X-Total-Count'))).toBe(ids.length)
    }
    const all = await inv.app.request('/api/v1/inventory/?low_stock=false')
    expect(Number(all.headers.get('X-Total-Count'))).toBeGreaterThan(2)
    for (const body of [{ reorder_threshold: -1 }, { reorder_threshold: 1.5 }, { reorder_threshold: '3' }]) {
      expect({ body, status: (await patch(scarce, body)).status }).toEqual({ body, status: 400 })
    }
    expect((await inv.app.request('/api/v1/inventory/?low_stock=yes')).status).toBe(400)
    // A threshold change alone is not a change of the figures: no version, no ledger row.
    expect(await inv.row(scarce)).toMatchObject({ version: 1, reorder_threshold: 3 })
  })
})
