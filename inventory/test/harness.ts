import { join } from 'node:path'
import { dlqTopic, type Payload, topicNames } from '@shop/shared/events/topics'
import { createJwtVerifier } from '@shop/shared/http/auth'
import type { TappedMessage } from '@shop/shared/kafka/tap'
import { createMemoryLogger, type LogFields } from '@shop/shared/log'
import { applyOutboxSchema } from '@shop/shared/outbox/postgres-store'
import { migrate } from '@shop/shared/postgres/migrate'
import { connectResilientPostgres } from '@shop/shared/postgres/resilient-pool'
import { createTestIssuer } from '@shop/shared/testing/issuer'
import { createTestKafka } from '@shop/shared/testing/kafka'
import { uniqueName } from '@shop/shared/testing/names'
import { createTestDatabase } from '@shop/shared/testing/postgres'
import { testServers } from '@shop/shared/testing/servers'
import { waitFor } from '@shop/shared/testing/wait-for'
import { Kafka, logLevel } from 'kafkajs'
import { createApp } from '../src/app.ts'
import { startWorkers } from '../src/worker.ts'

/** Retention as the service's defaults: sent outbox rows a day, consumed event ids 8 days. */
export const RETENTION = { outboxHours: 24, processedEventsDays: 8 }

/** Starting the service on fresh topics takes a few seconds (the broker settles their leaders). */
export const START_TIMEOUT_MS = 30_000
export const MIGRATIONS = join(import.meta.dir, '..', 'migrations')
const ADMIN_ID = '5f0c1a52-0000-4000-8000-00000000000a'
const CUSTOMER_ID = '5f0c1a52-0000-4000-8000-00000000000c'

/** A fresh 24-hex id, as product and order ids are. */
export const objectId = () => crypto.randomUUID().replaceAll('-', '').slice(0, 24)

type Tap = { messages: TappedMessage[]; stop: () => Promise<unknown> }
const OUTPUT_TOPICS = ['stock.updated', 'stock.reserved', 'stock.rejected', 'stock.low'] as const

/**
 * The inventory service as main.ts wires it, on a database and topics of its own: the app, the consumers
 * and the outbox relay, plus taps on its output topics and helpers that publish other services' events.
 * With `databaseUrl` it uses that server's database instead of creating one.
 */
export async function createHarness({ databaseUrl }: { databaseUrl?: string } = {}) {
  const { log, entries } = createMemoryLogger('inventory')
  const db = databaseUrl ? undefined : await createTestDatabase('inventory')
  const sql = connectResilientPostgres(db?.url ?? databaseUrl ?? '')
  await migrate(sql, MIGRATIONS)
  await applyOutboxSchema(sql)
  const kafka = createTestKafka('inventory', log)
  await kafka.start()
  await topicsServing(kafka.physical(''))
  const issuer = await createTestIssuer()
  const [updated, reserved, rejected, low] = await Promise.all(OUTPUT_TOPICS.map((topic) => kafka.tap(topic)))
  const taps: Record<(typeof OUTPUT_TOPICS)[number], Tap> = {
    'stock.updated': updated as Tap,
    'stock.reserved': reserved as Tap,
    'stock.rejected': rejected as Tap,
    'stock.low': low as Tap,
  }
  const workers = await startWorkers({
    sql,
    kafka,
    log,
    retention: RETENTION,
    groupId: uniqueName('inventory'),
  })
  const app = createApp({
    sql,
    kafka,
    verifyToken: createJwtVerifier({ jwks: issuer.jwksUrl }),
    log,
    wakeRelay: workers.wakeRelay,
  })

  /** The payloads published on an output topic so far, optionally only those matching. */
  const published = <T extends (typeof OUTPUT_TOPICS)[number]>(
    topic: T,
    match: (payload: Payload<T>) => boolean = () => true,
  ) =>
    taps[topic].messages
      .map((message) => JSON.parse(message.value ?? 'null') as Payload<T>)
      .filter((payload) => match(payload))

  const createProduct = (quantity: number, product_id = objectId(), options: { id?: string } = {}) =>
    kafka
      .publish(
        'product.created',
        {
          product_id,
          version: 1,
          name: `Product ${product_id.slice(-4)}`,
          category: 'tools',
          price: 9.99,
          quantity,
        },
        { key: product_id, id: options.id },
      )
      .then((event_id) => ({ product_id, event_id }))

  const deleteProduct = (product_id: string, version = 2) =>
    kafka.publish('product.deleted', { product_id, version }, { key: product_id })

  const shipOrder = (order_id: string, options: { id?: string } = {}) =>
    kafka
      .publish('order.shipped', { order_id }, { key: order_id, id: options.id })
      .then((event_id) => ({ order_id, event_id }))

  const placeOrder = (
    items: { product_id: string; quantity: number }[],
    order_id = objectId(),
    options: { id?: string; correlationId?: string } = {},
  ) =>
    kafka
      .publish(
        'order.placed',
        { order_id, user_id: CUSTOMER_ID, items },
        { key: order_id, id: options.id, correlationId: options.correlationId },
      )
      .then((event_id) => ({ order_id, event_id }))

  const cancelOrder = (order_id: string, items: { product_id: string; quantity: number }[]) =>
    kafka
      .publish('order.cancelled', { order_id, items }, { key: order_id })
      .then((event_id) => ({ order_id, event_id }))

  /** Resolves once the consumer has applied (committed) the event with this id. */
  const applied = (eventId: string) =>
    waitFor(() => entries.find((entry) => entry.event_id === eventId && isReceived(entry)), {
      message: `event ${eventId} to be applied`,
    })

  /** The row as stored, bookkeeping included; undefined when there is none. */
  const row = async (product_id: string) => {
    const [found]: [StockRow?] = await sql`
      SELECT product_id, name, stock, reserved, shipped, initial, adjustments, version, reorder_threshold,
             deleted_at
      FROM stock WHERE product_id = ${product_id}`
    return found
  }

  /** Waits until a product's entry is on sale (product.created applied) and returns its GET body. */
  const stockOnSale = (product_id: string) =>
    waitFor(
      async () => {
        const res = await app.request(`/api/v1/inventory/${product_id}`)
        return res.status === 200 && ((await res.json()) as { stock: number; reserved: number })
      },
      { message: `stock of ${product_id}` },
    )

  /** A new product whose stock entry is on sale, with `quantity` units. */
  const productWith = async (quantity: number) => {
    const { product_id } = await createProduct(quantity)
    await stockOnSale(product_id)
    return product_id
  }

  /** Places an order for one product and waits until inventory has answered stock.reserved. */
  const reservedOrder = async (product_id: string, quantity: number) => {
    const { order_id } = await placeOrder([{ product_id, quantity }])
    await waitFor(() => published('stock.reserved', (p) => p.order_id === order_id).length === 1, {
      message: `stock.reserved for ${order_id}`,
    })
    return order_id
  }

  return {
    sql,
    kafka,
    app,
    log,
    entries,
    issuer,
    published,
    /** The raw messages (headers included) published on an output topic so far. */
    messages: (topic: (typeof OUTPUT_TOPICS)[number]) => taps[topic].messages,
    createProduct,
    deleteProduct,
    placeOrder,
    shipOrder,
    cancelOrder,
    applied,
    row,
    stockOnSale,
    productWith,
    reservedOrder,
    adminToken: () => issuer.sign({ sub: ADMIN_ID, role: 'admin' }),
    customerToken: () => issuer.sign({ sub: CUSTOMER_ID, role: 'customer' }),
    async stop() {
      await workers.stop()
      await Promise.all(Object.values(taps).map((tap) => tap.stop()))
      await kafka.disconnect()
      await issuer.stop()
      await sql.end({ timeout: 5 })
      await db?.drop()
    },
  }
}

/**
 * Waits until the broker serves offsets for every topic of this prefix. Just after creation it may still answer
 * "unknown topic" or "not the leader" for a few seconds, which makes new consumers fail or rejoin over and over.
 */
export async function topicsServing(prefix: string) {
  const admin = new Kafka({ brokers: testServers.kafkaBrokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    const topics = topicNames.flatMap((topic) => [topic, dlqTopic(topic)]).map((topic) => `${prefix}${topic}`)
    for (const topic of topics) {
      await waitFor(() => admin.fetchTopicOffsets(topic), { timeoutMs: 20_000, message: `topic ${topic}` })
    }
  } finally {
    await admin.disconnect()
  }
}

export interface StockRow {
  product_id: string
  name: string
  stock: number
  reserved: number
  shipped: number
  initial: number
  adjustments: number
  version: number
  reorder_threshold: number
  deleted_at: Date | null
}

export const isReceived = (entry: LogFields) => String(entry.msg).startsWith('Received message from ')

export const isSkipped = (entry: LogFields) => String(entry.msg).startsWith('Skipped duplicate message from ')

export type Inventory = Awaited<ReturnType<typeof createHarness>>
