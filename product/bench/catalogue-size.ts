/**
 * What the in-memory catalogue costs: for 100, 10,000 and 100,000 generated products (no MongoDB), the time
 * to build it as the start-up load does, the heap and RSS it adds, and the time of a list of 20 (plain,
 * by category, by price range, by name search) computed afresh, of a repeated search answered from the
 * list cache, and of a read by id. Times are microseconds per call, in this one process.
 *   bun product/bench/catalogue-size.ts            all three sizes, each in a fresh process
 *   bun product/bench/catalogue-size.ts 100000     one size
 */
import { ObjectId } from 'mongodb'
import { createCatalogue } from '../src/catalogue/catalogue.ts'
import { entryOf, toBody } from '../src/catalogue/entry.ts'
import { createListCache } from '../src/catalogue/list-cache.ts'
import type { ListProductsQuery } from '../src/products/schemas.ts'
import type { StoredProduct } from '../src/products/store.ts'

const SIZES = [100, 10_000, 100_000]
const WORDS = ['Red', 'Blue', 'Mug', 'Lamp', 'Cable', 'Book', 'Tea', 'Chair', 'Desk', 'Pen', 'Large', 'Small']
const CATEGORIES = Array.from({ length: 20 }, (_, i) => `category-${i}`)

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

/** Documents one at a time, as the driver's cursor hands them over, so none outlives its entry. */
function* generate(count: number): Generator<StoredProduct> {
  const start = Date.parse('2026-01-01T00:00:00Z')
  for (let i = 0; i < count; i++) {
    const at = new Date(start + i * 1_000)
    const word = (k: number) => WORDS[(i * 7 + k * 13) % WORDS.length] as string
    yield {
      _id: new ObjectId(),
      name: `${word(1)} ${word(2)} ${i}`,
      description: `A ${word(3).toLowerCase()} ${word(4).toLowerCase()} for everyday use, model ${i}`,
      category: `category-${i % CATEGORIES.length}`,
      price_cents: 100 + ((i * 7919) % 100_000),
      quantity: i % 50,
      created_at: at,
      updated_at: at,
      version: 1,
      deleted_at: null,
    }
  }
}

function time(runs: number, work: () => unknown) {
  for (let i = 0; i < Math.min(runs, 50); i++) work()
  const started = performance.now()
  for (let i = 0; i < runs; i++) work()
  return ((performance.now() - started) / runs) * 1_000
}

function measure(count: number) {
  Bun.gc(true)
  const before = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss }
  const started = performance.now()
  const catalogue = createCatalogue()
  const ids: string[] = []
  for (const doc of generate(count)) {
    catalogue.apply(entryOf(doc, catalogue.intern))
    if (ids.length < 1_000) ids.push(doc._id.toHexString())
  }
  catalogue.finishLoading()
  const loadMs = performance.now() - started
  Bun.gc(true)
  const after = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss }

  const page = { skip: 0, limit: 20, min_price_cents: undefined, max_price_cents: undefined }
  const queries: Record<string, ListProductsQuery> = {
    list: page,
    'list skip=5000': { ...page, skip: Math.min(5_000, count - 20) },
    category: { ...page, category: 'category-3' },
    'price 10–20': { ...page, min_price_cents: 1_000, max_price_cents: 2_000 },
    'price ≥ 10': { ...page, min_price_cents: 1_000 },
    'q=mug': { ...page, q: 'mug' },
    'category+price+q': {
      ...page,
      category: 'category-3',
      min_price_cents: 1_000,
      max_price_cents: 60_000,
      q: 'lamp',
    },
  }
  const runs = count >= 100_000 ? 200 : 2_000
  const listUs = Object.fromEntries(
    Object.entries(queries).map(([name, query]) => [
      name,
      time(runs, () => catalogue.list(query).items.map(toBody)).toFixed(1),
    ]),
  )
  const cached = createListCache(catalogue)
  const cachedUs = time(20_000, () =>
    cached(queries['q=mug'] as ListProductsQuery).items.map(toBody),
  ).toFixed(1)
  let k = 0
  const byIdUs = time(20_000, () => toBody(catalogue.get(ids[k++ % ids.length] as string) as never)).toFixed(
    2,
  )
  return {
    products: count,
    load_ms: Math.round(loadMs),
    heap_added_mb: mb(after.heap - before.heap),
    rss_mb: mb(after.rss),
    rss_added_mb: mb(after.rss - before.rss),
    by_id_us: byIdUs,
    list_of_20_us: listUs,
    repeated_q_cached_us: cachedUs,
  }
}

const arg = Bun.argv[2]
if (arg) {
  process.stdout.write(`${JSON.stringify(measure(Number(arg)))}\n`)
} else {
  const baseline = Bun.spawnSync([
    process.execPath,
    '-e',
    'Bun.gc(true); console.log(process.memoryUsage().rss)',
  ])
  process.stdout.write(`bare bun process RSS: ${mb(Number(baseline.stdout.toString()))} MB\n`)
  for (const size of SIZES) {
    const run = Bun.spawnSync([process.execPath, import.meta.path, String(size)], { stderr: 'inherit' })
    process.stdout.write(run.stdout.toString())
  }
}
