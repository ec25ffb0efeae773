import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CE_HEADERS } from '@shop/shared/events/envelope'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Inventory, objectId, START_TIMEOUT_MS } from './harness.ts'

describe('inventory HTTP API', () => {
  let inv: Inventory
  /** products[i] has stock 2 * i. */
  const products: string[] = []
  let removed: string

  beforeAll(async () => {
    inv = await createHarness()
    // Stock 0, 2, 4, … 10, and one product that was deleted.
    for (let i = 0; i < 6; i++) products.push((await inv.createProduct(i * 2)).product_id)
    removed = (await inv.createProduct(1)).product_id
    await Promise.all([...products, removed].map((id) => inv.stockOnSale(id)))
    await inv.applied(await inv.deleteProduct(removed))
  }, START_TIMEOUT_MS)
  afterAll(() => inv?.stop(), START_TIMEOUT_MS)

  const get = (path: string) => inv.app.request(`/api/v1/inventory${path}`)
  const patch = async (
    product_id: string,
    body: unknown,
    { token, requestId }: { token?: string; requestId?: string } = {},
  ) =>
    inv.app.request(`/api/v1/inventory/${product_id}`, {
      method: 'PATCH',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token ?? (await inv.adminToken())}`,
        ...(requestId ? { 'X-Request-Id': requestId } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  const problem = async (res: Response) => {
    expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    return (await res.json()) as { status: number; detail: string }
  }

  it('answers one product with its stock, reserved and updated_at', async () => {
    const id = products[3] as string
    const res = await get(`/${id}`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toEqual({
      product_id: id,
      stock: 6,
      reserved: 0,
      shipped: 0,
      reorder_threshold: 5,
      updated_at: expect.any(String),
    })
    expect(Number.isNaN(Date.parse(String(body.updated_at)))).toBe(false)
  })

  it('answers 400 for a malformed id, 404 for an unknown one and for a removed product', async () => {
    expect((await problem(await get('/not-an-id'))).status).toBe(400)
    expect((await problem(await get(`/${objectId().toUpperCase()}`))).status).toBe(400)
    expect((await problem(await get(`/${objectId()}`))).status).toBe(404)
    expect((await problem(await get(`/${removed}`))).status).toBe(404)
  })

  it('lists products on sale at /inventory and /inventory/ with paging and X-Total-Count', async () => {
    const byId = [...products].sort()
    for (const path of ['', '/']) {
      const res = await get(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('X-Total-Count')).toBe('6')
      expect(((await res.json()) as { product_id: string }[]).map((e) => e.product_id)).toEqual(byId)
    }
    const page = await get('?skip=2&limit=3')
    expect(page.headers.get('X-Total-Count')).toBe('6')
    expect(((await page.json()) as { product_id: string }[]).map((e) => e.product_id)).toEqual(
      byId.slice(2, 5),
    )
  })

  it('lists only products whose stock is below low_stock_below', async () => {
    const res = await get('/?low_stock_below=5')
    expect(res.headers.get('X-Total-Count')).toBe('3')
    const stocks = ((await res.json()) as { stock: number }[]).map((e) => e.stock).sort((a, b) => a - b)
    expect(stocks).toEqual([0, 2, 4])
  })

  it('answers 400 to a bad or unknown query parameter', async () => {
    for (const query of [
      'limit=101',
      'limit=0',
      'skip=-1',
      'low_stock_below=x',
      'category[$ne]=x',
      'limit=1&limit=2',
    ]) {
      expect((await problem(await get(`?${query}`))).status).toBe(400)
    }
  })

  it('answers 401 without a token and 403 to a customer on PATCH', async () => {
    const id = products[1] as string
    const anonymous = await inv.app.request(`/api/v1/inventory/${id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: '{"stock":1}',
    })
    expect(anonymous.status).toBe(401)
    expect((await patch(id, { stock: 1 }, { token: await inv.customerToken() })).status).toBe(403)
    expect(await inv.stockOnSale(id)).toMatchObject({ stock: 2 })
  })

  it('answers 400 unless the body is exactly one of stock or delta, as integers', async () => {
    const id = products[1] as string
    for (const body of [
      {},
      { stock: 1, delta: 1 },
      { stock: -1 },
      { stock: 1.5 },
      { delta: 'x' },
      { stock: 1, note: 'x' },
    ]) {
      const res = await patch(id, body)
      expect({ body, status: res.status }).toEqual({ body, status: 400 })
    }
    expect((await problem(await patch(id, {}))).detail).toContain('exactly one of stock')
    expect((await patch(id, '{"stock": ')).status).toBe(400)
  })

  it('answers 4xx to malformed adjustments and writes nothing, not even a ledger row', async () => {
    const id = products[3] as string
    const before = await inv.row(id)
    for (const body of [
      '{"delta": 1e400}',
      '[]',
      'null',
      '"x"',
      '{"reorder_threshold": null}',
      '{"delta": 1, "reason": "\u0000"}',
    ]) {
      const res = await patch(id, body)
      expect({ body, status: res.status }).toEqual({ body, status: 400 })
    }
    const plain = await inv.app.request(`/api/v1/inventory/${id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${await inv.adminToken()}` },
      body: '{"delta": 1}',
    })
    expect(plain.status).toBe(415)
    expect(await inv.row(id)).toEqual(before)
    const [ledger] = await inv.sql`SELECT count(*)::int AS n FROM stock_movements WHERE product_id = ${id}`
    expect(ledger?.n).toBe(1)
  })

  it('answers 404 to a PATCH of an unknown or removed product and 400 for a malformed id', async () => {
    expect((await patch(objectId(), { stock: 1 })).status).toBe(404)
    expect((await patch(removed, { stock: 1 })).status).toBe(404)
    expect((await patch('nope', { stock: 1 })).status).toBe(400)
  })

  it('sets the stock, publishes stock.updated adjusted with the request id, and only once for the same request', async () => {
    const id = products[2] as string
    for (let i = 0; i < 2; i++) {
      const res = await patch(id, { stock: 12 }, { requestId: 'req-set-12' })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ product_id: id, stock: 12, reserved: 0 })
    }
    const adjusted = () =>
      inv.published('stock.updated', (p) => p.product_id === id && p.reason === 'adjusted')
    const [event] = await waitFor(() => adjusted().length === 1 && adjusted())
    expect(event).toEqual({
      product_id: id,
      version: 2,
      stock: 12,
      reserved: 0,
      change: 8,
      reason: 'adjusted',
    })
    const message = inv.messages('stock.updated').find((m) => m.value === JSON.stringify(event))
    expect(message?.headers[CE_HEADERS.correlationId]).toBe('req-set-12')
    expect(await inv.row(id)).toMatchObject({ stock: 12, initial: 4, adjustments: 8 })
  })

  it('moves the stock by a delta and refuses one that would go below zero with a clear 409', async () => {
    const id = products[4] as string
    const down = await patch(id, { delta: -3 })
    expect(await down.json()).toMatchObject({ stock: 5 })
    const tooFar = await patch(id, { delta: -6 })
    expect(tooFar.status).toBe(409)
    expect((await problem(tooFar)).detail).toBe(
      'Stock cannot go below 0: 5 available, a change of -6 would leave -1',
    )
    expect(await inv.stockOnSale(id)).toMatchObject({ stock: 5 })
  })

  it('refuses stock over the limit of 1,000,000 with 422', async () => {
    const id = products[5] as string
    const res = await patch(id, { delta: 999_999 })
    expect(res.status).toBe(422)
    expect((await problem(res)).detail).toContain('at most 1000000')
  })

  it('answers /health and /ready', async () => {
    expect(await (await inv.app.request('/health')).json()).toEqual({
      status: 'ok',
      service: 'inventory-service',
    })
    expect((await inv.app.request('/ready')).status).toBe(200)
  })
})
