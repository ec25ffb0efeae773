import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { createMemoryLogger } from '@shop/shared/log'
import { createTestIssuer } from '@shop/shared/testing/issuer'
import { createTestKafka } from '@shop/shared/testing/kafka'
import { createTestDatabase } from '@shop/shared/testing/postgres'
import { testServers } from '@shop/shared/testing/servers'
import { waitFor } from '@shop/shared/testing/wait-for'
import { objectId, topicsServing } from './harness.ts'

const MAIN = join(import.meta.dir, '..', 'src', 'main.ts')
const CUSTOMER_ID = '5f0c1a52-0000-4000-8000-00000000000c'

/** Collects a child's stdout as JSON log lines. */
function collectLog(stream: ReadableStream<Uint8Array>) {
  const lines: Record<string, unknown>[] = []
  void (async () => {
    const decoder = new TextDecoder()
    let rest = ''
    for await (const chunk of stream) {
      const parts = (rest + decoder.decode(chunk)).split('\n')
      rest = parts.pop() ?? ''
      for (const part of parts) {
        try {
          lines.push(JSON.parse(part))
        } catch {}
      }
    }
  })()
  return lines
}

describe('two inventory processes in one consumer group', () => {
  const { log } = createMemoryLogger('inventory-test')
  const kafka = createTestKafka('inventory', log)
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let issuer: Awaited<ReturnType<typeof createTestIssuer>>
  const processes: { child: ReturnType<typeof Bun.spawn>; lines: Record<string, unknown>[]; port: number }[] =
    []

  beforeAll(async () => {
    db = await createTestDatabase('inventory')
    issuer = await createTestIssuer()
    await kafka.start()
    await topicsServing(kafka.physical(''))
    const base = 20_000 + Math.floor(Math.random() * 20_000)
    for (const port of [base, base + 100]) {
      const child = Bun.spawn([process.execPath, MAIN], {
        env: {
          ...process.env,
          PORT: String(port),
          DATABASE_URL: db.url,
          KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
          KAFKA_TOPIC_PREFIX: kafka.physical(''),
          JWKS_URL: issuer.jwksUrl,
        },
        stdout: 'pipe',
        stderr: 'inherit',
      })
      processes.push({ child, lines: collectLog(child.stdout as ReadableStream<Uint8Array>), port })
    }
    for (const { lines } of processes) {
      await waitFor(() => lines.some((line) => line.msg === 'Kafka consumer started'), {
        timeoutMs: 40_000,
        message: 'both consumers in the group',
      })
    }
  }, 60_000)
  afterAll(async () => {
    for (const { child } of processes) child.kill('SIGKILL')
    await kafka.disconnect()
    await issuer.stop()
    await db.drop()
  }, 30_000)

  it('reserves exactly the stock there is, decides each order once and conserves stock', async () => {
    const [reserved, rejected] = [await kafka.tap('stock.reserved'), await kafka.tap('stock.rejected')]
    const products = [objectId(), objectId(), objectId()]
    for (const product_id of products) {
      await kafka.publish(
        'product.created',
        { product_id, version: 1, name: 'Shared', category: 'tools', price: 1, quantity: 10 },
        { key: product_id },
      )
    }
    const orders = Array.from({ length: 60 }, (_, i) => ({
      order_id: objectId(),
      items: [{ product_id: products[i % 3] as string, quantity: 1 }],
    }))
    // Once every product is in stock, all orders at once: they spread over the partitions both processes own.
    const [stock] = await waitFor(async () => {
      const rows = await db.sql`SELECT count(*)::int AS n FROM stock`
      return rows[0]?.n === 3 && rows
    })
    expect(stock).toBeDefined()
    await Promise.all(
      orders.map(({ order_id, items }) =>
        kafka.publish('order.placed', { order_id, user_id: CUSTOMER_ID, items }, { key: order_id }),
      ),
    )
    const decisions = (order_id: string) =>
      [...reserved.messages, ...rejected.messages].filter((m) => m.key === order_id).length
    await waitFor(() => orders.every(({ order_id }) => decisions(order_id) >= 1), {
      timeoutMs: 30_000,
      message: '60 decisions',
    })
    const confirmed = orders.filter(({ order_id }) => reserved.messages.some((m) => m.key === order_id))
    expect(confirmed).toHaveLength(30)
    // Half the confirmed ones are cancelled, racing across the two processes.
    await Promise.all(
      confirmed
        .slice(0, 15)
        .map(({ order_id, items }) =>
          kafka.publish('order.cancelled', { order_id, items }, { key: order_id }),
        ),
    )
    await waitFor(async () => {
      const [row] = await db.sql`SELECT count(*)::int AS n FROM order_outcomes WHERE state = 'cancelled'`
      return row?.n === 15
    })

    expect(orders.map(({ order_id }) => decisions(order_id))).toEqual(orders.map(() => 1))
    const rows = await db.sql<{ stock: number; reserved: number; booked: number; counted: number }[]>`
      SELECT stock, reserved, initial + adjustments AS booked, stock + reserved + shipped AS counted FROM stock`
    expect(rows.map((r) => r.reserved).reduce((a, b) => a + b, 0)).toBe(15)
    expect(rows.map((r) => r.stock).reduce((a, b) => a + b, 0)).toBe(15)
    for (const row of rows) expect(row.counted).toBe(row.booked)
    const [ledger] = await db.sql<{ stock: number; reserved: number }[]>`
      SELECT sum(stock_change)::int AS stock, sum(reserved_change)::int AS reserved FROM stock_movements`
    expect(ledger).toEqual({ stock: 15, reserved: 15 })

    const handledBy = processes.map(
      ({ lines }) => lines.filter((line) => String(line.msg).startsWith('Received message from')).length,
    )
    expect(handledBy.every((n) => n > 0)).toBe(true)
    expect(handledBy.reduce((a, b) => a + b, 0)).toBe(3 + 60 + 15)
    await Promise.all([reserved.stop(), rejected.stop()])
  }, 90_000)

  it('stops both processes cleanly on SIGTERM', async () => {
    for (const { child } of processes) child.kill('SIGTERM')
    expect(await Promise.all(processes.map(({ child }) => child.exited))).toEqual([0, 0])
  }, 30_000)
})
