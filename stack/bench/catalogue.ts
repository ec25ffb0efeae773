import { call, GATEWAY, total } from './api.ts'
import { quantiles } from './stats.ts'

export const CATEGORIES = ['Electronics', 'Books', 'Home', 'Toys', 'Garden'] as const
const SEED_CONCURRENCY = 8
const MAX_ROTATED_IDS = 1_000

export async function productCount() {
  const res = await call(GATEWAY, 'GET', '/api/v1/products/?limit=1')
  return total(res)
}

export async function createProduct(
  token: string,
  body: { name: string; category: string; price: number; quantity: number },
) {
  const res = await call(GATEWAY, 'POST', '/api/v1/products/', { json: body, token })
  if (res.status !== 201)
    throw new Error(`creating a product: HTTP ${res.status} ${JSON.stringify(res.data)}`)
  return res.data._id as string
}

/** Tops the catalogue up to `wanted` products through the API; returns how many it created. */
export async function seedProducts(token: string, wanted: number, log: (line: string) => void) {
  const have = await productCount()
  const missing = Math.max(0, wanted - have)
  if (missing === 0) return 0
  log(`seeding ${missing} products (have ${have}, BENCH_PRODUCTS=${wanted})`)
  let next = 0
  const worker = async () => {
    while (next < missing) {
      const i = next++
      await createProduct(token, {
        name: `Bench product ${have + i}`,
        category: CATEGORIES[i % CATEGORIES.length] as string,
        price: Math.round((5 + ((i * 37) % 995)) * 100) / 100,
        quantity: 100,
      })
    }
  }
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker))
  return missing
}

/** Up to a thousand product ids to rotate over, read page by page. */
export async function productIds() {
  const ids: string[] = []
  for (let skip = 0; ids.length < MAX_ROTATED_IDS; skip += 100) {
    const res = await call(GATEWAY, 'GET', `/api/v1/products/?limit=100&skip=${skip}`)
    if (res.status !== 200 || !Array.isArray(res.data) || res.data.length === 0) break
    for (const p of res.data) ids.push(p._id)
  }
  return ids
}

/**
 * Creates products for the order runs and times each from the 201 to its stock entry answering at
 * inventory (product.created through the outbox and Kafka to the inventory consumer).
 */
export async function createOrderProducts(token: string, count: number, quantity: number, run: string) {
  const ids: string[] = []
  const visibleMs: number[] = []
  for (let i = 0; i < count; i++) {
    const id = await createProduct(token, {
      name: `Bench order product ${run}-${i}`,
      category: 'BenchOrders',
      price: 10 + i,
      quantity,
    })
    const created = performance.now()
    const deadline = created + 30_000
    for (;;) {
      const res = await call(GATEWAY, 'GET', `/api/v1/inventory/${id}`, { token })
      if (res.status === 200) break
      if (performance.now() > deadline) throw new Error(`stock of ${id} not visible at inventory after 30 s`)
      await Bun.sleep(2)
    }
    visibleMs.push(performance.now() - created)
    ids.push(id)
  }
  return { ids, visible: quantiles(visibleMs) }
}

export interface StockFigures {
  stock: number
  reserved: number
  shipped: number
}

export async function stockOf(token: string, id: string): Promise<StockFigures> {
  const res = await call(GATEWAY, 'GET', `/api/v1/inventory/${id}`, { token })
  if (res.status !== 200) throw new Error(`inventory of ${id}: HTTP ${res.status}`)
  return { stock: res.data.stock, reserved: res.data.reserved ?? 0, shipped: res.data.shipped ?? 0 }
}
