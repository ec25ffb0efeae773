/**
 * The real product service on a database of its own holding N products (default 100, 10,000, 100,000):
 * process start → /health, → /ready (the catalogue loaded), and RSS once idle. Seeded documents have no
 * pending events, so nothing is published; the service reads the real product topics and ignores what it
 * cannot find in this database.
 *   bun product/bench/service-start.ts [N ...]
 */
import { createTestMongo } from '@shop/shared/testing/mongo'
import { testServers } from '@shop/shared/testing/servers'
import { waitFor } from '@shop/shared/testing/wait-for'
import { ObjectId } from 'mongodb'
import { ensureProductIndexes, productsCollection } from '../src/products/document.ts'

const PORT = 18_700
const JWKS_URL = process.env.JWKS_URL ?? 'http://127.0.0.1:8003/.well-known/jwks.json'
const sizes = Bun.argv.slice(2).map(Number)

async function seed(db: Parameters<typeof productsCollection>[0], count: number) {
  await ensureProductIndexes(db)
  const start = Date.parse('2026-01-01T00:00:00Z')
  const docs = Array.from({ length: count }, (_, i) => ({
    _id: new ObjectId(),
    name: `Product ${i}`,
    description: `A thing for everyday use, model ${i}`,
    category: `category-${i % 20}`,
    price_cents: 100 + ((i * 7919) % 100_000),
    quantity: i % 50,
    created_at: new Date(start + i * 1_000),
    updated_at: new Date(start + i * 1_000),
    version: 1,
    deleted_at: null,
    outbox: [],
    outbox_sent: 1,
    outbox_pending: 0,
    outbox_ready: false,
    outbox_lease: 0,
  }))
  for (let i = 0; i < docs.length; i += 1_000)
    await productsCollection(db).insertMany(docs.slice(i, i + 1_000))
}

const rssMb = (pid: number) => {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

async function measure(count: number) {
  const mongo = await createTestMongo('bench_product')
  try {
    const seeding = performance.now()
    await seed(mongo.db, count)
    const seedMs = performance.now() - seeding
    const started = performance.now()
    const child = Bun.spawn(
      [process.execPath, ...(process.env.BUN_SMOL ? ['--smol'] : []), `${import.meta.dir}/../src/main.ts`],
      {
        env: {
          ...process.env,
          PORT: String(PORT),
          HOST: '127.0.0.1',
          MONGO_URL: mongo.url,
          KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
          JWKS_URL,
          LOG_LEVEL: 'warn',
          NODE_NO_WARNINGS: '1',
          KAFKAJS_NO_PARTITIONER_WARNING: '1',
        },
        stdout: 'ignore',
        stderr: 'inherit',
      },
    )
    const url = `http://127.0.0.1:${PORT}`
    const ok = (path: string) => async () =>
      (await fetch(`${url}${path}`).catch(() => undefined))?.ok === true
    await waitFor(ok('/health'), { intervalMs: 2, timeoutMs: 20_000 })
    const healthMs = performance.now() - started
    await waitFor(ok('/ready'), { intervalMs: 10, timeoutMs: 120_000 })
    const readyMs = performance.now() - started
    await Bun.sleep(3_000)
    const idle = rssMb(child.pid)
    child.kill('SIGTERM')
    await child.exited
    return {
      products: count,
      seed_ms: Math.round(seedMs),
      start_to_health_ms: Math.round(healthMs),
      start_to_ready_ms: Math.round(readyMs),
      rss_idle_mb: idle.toFixed(1),
    }
  } finally {
    await mongo.drop()
  }
}

for (const count of sizes.length > 0 ? sizes : [100, 10_000, 100_000]) {
  process.stdout.write(`${JSON.stringify(await measure(count))}\n`)
}
