/**
 * `npm run bench`: how fast the running native stack is, as one table (also written as JSON under
 * .cache/bench/, beside the previous run's figures). Never part of `npm test`.
 * BENCH_DURATION (s per case, default 8), BENCH_CLIENTS (16), BENCH_RATE (75 orders/s), BENCH_PRODUCTS
 * (catalogue size, seeded through the API when smaller; 100), BENCH_SECTIONS (http,orders,startup).
 */
import { availableParallelism, loadavg } from 'node:os'
import { adminToken, call, clientTokens, GATEWAY } from './api.ts'
import { createOrderProducts, productCount, productIds, seedProducts } from './catalogue.ts'
import { httpBench } from './http.ts'
import { ordersBench } from './orders.ts'
import { type BenchReport, previousFigures, type Row, renderTable, writeReport } from './report.ts'
import { storeSizes } from './sizes.ts'
import { ensureStackUp, ROOT, replicasOf, rssByServer, stackStatus, staleServices } from './stack.ts'
import { startupBench } from './startup.ts'
import { ensureWrk } from './wrk.ts'

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const options = {
  duration_s: number('BENCH_DURATION', 8),
  clients: number('BENCH_CLIENTS', 16),
  rate: number('BENCH_RATE', 75),
  products: number('BENCH_PRODUCTS', 100),
  order_products: number('BENCH_ORDER_PRODUCTS', 20),
  wrk_threads: number('BENCH_WRK_THREADS', 1),
  wrk_connections: number('BENCH_WRK_CONNECTIONS', 64),
  sections: (process.env.BENCH_SECTIONS ?? 'http,orders,startup').split(','),
}
const ORDER_PRODUCT_STOCK = 100_000

const log = (line: string) => console.error(`[bench] ${line}`)
const started = new Date()
const loadBefore = loadavg()
if ((loadBefore[0] ?? 0) > availableParallelism()) {
  log(
    `the machine is busy (load average ${loadBefore[0]?.toFixed(1)} on ${availableParallelism()} cores): figures will be low`,
  )
}
const rows: Row[] = []
const details: Record<string, unknown> = {}
const previous = await previousFigures()

const servers = await ensureStackUp(log)
const rssBefore = await rssByServer(servers)
const product = servers.find((s) => s.name === 'product')
if (!product?.port) throw new Error('the product service is not running')
const orderUrls = replicasOf(servers, 'order').map((s) => `http://127.0.0.1:${s.port}`)

const admin = await adminToken()
details.seeded_products = await seedProducts(admin, options.products, log)
const ids = await productIds()
const tool = await ensureWrk(log)
const tracing =
  (await Bun.file(`${ROOT}/shared/src/observability/env.ts`).exists()) &&
  (await Bun.file(`${ROOT}/shared/src/observability/env.ts`).text()).includes('TRACE_SAMPLE_RATIO')
// Extra processes from the checkout must run the code the stack runs (same stores, same migrations).
const stale = await staleServices(servers)
const staleNote = `skipped: ${stale.schema.join(', ')} started before a change to their migrations; restart the stack to measure this`
const spawnable = stale.schema.length === 0 || process.env.BENCH_SPAWN_ANYWAY === '1'
const newerNote =
  stale.code.length > 0 ? `; the extra process runs newer code than ${stale.code.join(', ')}` : ''
if (!spawnable) log(staleNote)

if (options.sections.includes('http')) {
  const sample = (await call(GATEWAY, 'GET', `/api/v1/products/${ids[0]}`)).data
  const http = await httpBench({
    productUrl: `http://127.0.0.1:${product.port}`,
    ids,
    sample,
    wrk: { threads: options.wrk_threads, connections: options.wrk_connections, seconds: options.duration_s },
    tracing: tracing && spawnable,
    log,
  })
  rows.push(...http.rows)
  if (tracing && !spawnable) {
    rows.push({
      id: 'http.tracing.cost',
      label: 'tracing at 1.0: throughput cost',
      value: null,
      unit: '%',
      note: staleNote,
    })
  }
  details.http = http.results
}

if (options.sections.includes('orders')) {
  log(`orders: ${options.order_products} fresh products, timing product.created → stock visible`)
  const run = started.toISOString().replace(/\D/g, '').slice(0, 14)
  const made = await createOrderProducts(admin, options.order_products, ORDER_PRODUCT_STOCK, run)
  rows.push({
    id: 'events.product_to_stock',
    label: 'product.created → stock visible at inventory',
    value: made.visible.n,
    unit: 'samples',
    p50_ms: made.visible.p50,
    p99_ms: made.visible.p99,
    note: 'POST 201 → GET /inventory/{id} 200, polled every 2 ms',
  })
  const clients = await clientTokens(options.clients)
  const orders = await ordersBench({
    admin,
    clients,
    products: made.ids,
    initial: new Map(made.ids.map((id) => [id, ORDER_PRODUCT_STOCK])),
    seconds: options.duration_s,
    rate: options.rate,
    orderUrls,
    log,
  })
  rows.push(...orders.rows)
  details.orders = orders.details
}

const rssAfter = await rssByServer(await stackStatus())
for (const [name, before] of Object.entries(rssBefore)) {
  rows.push({
    id: `rss.${name}`,
    label: `RSS ${name} (before → after)`,
    value: `${Math.round(before)} → ${Math.round(rssAfter[name] ?? Number.NaN)}`,
    unit: 'MB',
  })
}

if (options.sections.includes('startup')) {
  if (spawnable) rows.push(...(await startupBench(log)))
  else rows.push({ id: 'startup', label: 'start → /health', value: null, unit: 'ms', note: staleNote })
}
for (const row of rows) {
  if (newerNote && (row.id.startsWith('startup.') || row.id.startsWith('http.tracing.'))) {
    row.note = `${row.note ?? ''}${newerNote}`
  }
}

const sizes = await storeSizes()
details.sizes = sizes
const sizeNote = (prefix: string) =>
  Object.entries(sizes)
    .filter(([name]) => name.startsWith(prefix))
    .map(([name, n]) => `${name.slice(prefix.length)} ${n.toLocaleString('en')}`)
    .join(', ')
rows.push(
  {
    id: 'size.products',
    label: 'products in the catalogue',
    value: await productCount(),
    unit: '',
    note: sizeNote('products.'),
  },
  {
    id: 'size.orders',
    label: 'order store',
    value: sizes['orders.orders'] ?? null,
    unit: 'orders',
    note: sizeNote('orders.'),
  },
  {
    id: 'size.inventory',
    label: 'inventory store',
    value: sizes['inventory.stock'] ?? null,
    unit: 'stock entries',
    note: sizeNote('inventory.'),
  },
  {
    id: 'size.users',
    label: 'user store',
    value: sizes['users.users'] ?? null,
    unit: 'users',
    note: sizeNote('users.'),
  },
  {
    id: 'machine.cores',
    label: 'cores',
    value: availableParallelism(),
    unit: '',
    note: `load average before ${loadBefore.map((n) => n.toFixed(2)).join(' ')}`,
  },
  {
    id: 'tool',
    label: 'load generator',
    value: tool,
    unit: '',
    note: `HTTP: Debian's wrk -t${options.wrk_threads} -c${options.wrk_connections} -d${options.duration_s}s, Lua script rotating ${ids.length} ids; orders: Bun clients (closed loop; open loop on a fixed arrival schedule)`,
  },
)

const report: BenchReport = {
  started_at: started.toISOString(),
  finished_at: new Date().toISOString(),
  machine: { cores: availableParallelism(), load_before: loadBefore },
  options,
  rows: rows.map((row) => ({ ...row, previous: previous.get(row.id) })),
  details: { ...details, rss_before: rssBefore, rss_after: rssAfter, servers },
}
const file = await writeReport(report)
console.log(renderTable(rows, previous))
console.log(`\nfigures written to ${file.slice(ROOT.length + 1)}`)
