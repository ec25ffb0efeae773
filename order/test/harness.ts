import { setDefaultTimeout } from 'bun:test'
import type { Payload } from '@shop/shared/events/topics'
import { createJwtVerifier } from '@shop/shared/http/auth'
import { createMemoryLogger } from '@shop/shared/log'
import { createTestIssuer } from '@shop/shared/testing/issuer'
import { createTestKafka } from '@shop/shared/testing/kafka'
import { createTestMongo } from '@shop/shared/testing/mongo'
import { uniqueName } from '@shop/shared/testing/names'
import { testServers } from '@shop/shared/testing/servers'
import { waitFor } from '@shop/shared/testing/wait-for'
import { type Db, ObjectId } from 'mongodb'
import { createApp } from '../src/app.ts'
import { createCatalogueStore } from '../src/catalogue/store.ts'
import { collections, ensureIndexes } from '../src/db.ts'
import type { OrderView } from '../src/orders/model.ts'
import { createOrderWaiters } from '../src/orders/wait.ts'
import { startWorkers, type Workers } from '../src/worker.ts'

// Above waitFor's 15 s, so a slow condition fails with waitFor's message rather than a bare timeout.
setDefaultTimeout(20_000)

export const newId = () => new ObjectId().toHexString()

type Shortage = Payload<'stock.rejected'>['shortages'][number]
type EventOptions = { id?: string; correlationId?: string; time?: string }

/**
 * The shared test broker holds many topics (each test client deletes its own on disconnect, but a killed
 * run leaves them), and under load createTopics sometimes fails with UNKNOWN_TOPIC_OR_PARTITION while it
 * waits for leaders. start() can be called again: it creates only what is missing.
 */
async function startKafka(kafka: ReturnType<typeof createTestKafka>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await kafka.start()
    } catch (error) {
      if (attempt === START_ATTEMPTS) throw error
    }
  }
}

const START_ATTEMPTS = 4

type Tap = Awaited<ReturnType<ReturnType<typeof createTestKafka>['tap']>>

export interface HarnessOptions {
  /** A database handle of the test's own choosing (e.g. a client with command monitoring), on `mongo.url`. */
  db?: (url: string) => Promise<Db>
  now?: () => Date
  decisionTimeoutSeconds?: number
  idempotencyKeyRetentionDays?: number
  relayLeaseMs?: number
  /**
   * False: no workers in this process (no relay, no consumers, an empty catalogue), for tests where only
   * replica processes (replicas.ts) run the service and this harness only plays the other services.
   */
  workers?: boolean
}

/**
 * The order service as service.ts builds it, on the real broker and store with a database, topics and
 * consumer group of its own, plus what a test needs to act as the product and inventory services and as
 * users. `topicPrefix` and `mongo.url` let replica processes (replica-process.ts) join the same system.
 */
export async function createHarness(options: HarnessOptions = {}) {
  const { log, entries } = createMemoryLogger('order')
  const mongo = await createTestMongo('order')
  const kafka = createTestKafka('order', log)
  const issuer = await createTestIssuer()
  const db = options.db ? await options.db(mongo.url) : mongo.db
  await ensureIndexes(db)
  await startKafka(kafka)
  const groupId = uniqueName('order')
  const catalogue = createCatalogueStore()
  const waiters = createOrderWaiters()
  const withWorkers = options.workers ?? true
  const workers: Workers | undefined = !withWorkers
    ? undefined
    : await startWorkers({
        db,
        kafka,
        log,
        catalogue,
        waiters,
        groupId,
        now: options.now,
        decisionTimeoutSeconds: options.decisionTimeoutSeconds,
        idempotencyKeyRetentionDays: options.idempotencyKeyRetentionDays,
        relayLeaseMs: options.relayLeaseMs,
      })
  const app = createApp({
    db,
    verifyToken: createJwtVerifier({ jwks: issuer.jwksUrl }),
    log,
    ready: {
      mongodb: () => db.command({ ping: 1 }),
      kafka: () => kafka.ping(),
      ...(workers ? { catalogue: workers.catalogueReady } : {}),
    },
    catalogue,
    waiters,
    now: options.now,
    wakeRelay: workers?.wakeRelay,
    handToRelay: workers?.handToRelay,
  })
  const taps = new Map<string, Promise<Tap>>()
  const versions = new Map<string, number>()
  /** The next version of an aggregate (a product's fields or its stock), as its producer would count it. */
  const nextVersion = (key: string) => {
    const version = (versions.get(key) ?? 0) + 1
    versions.set(key, version)
    return version
  }

  const tap = (topic: string) => {
    if (!taps.has(topic)) taps.set(topic, kafka.tap(topic))
    return taps.get(topic) as Promise<Tap>
  }

  const tokenFor = (sub: string, role: 'customer' | 'admin' = 'customer') => issuer.sign({ sub, role })

  const call = async (
    method: string,
    path: string,
    { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const res = await app.request(path, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
  }

  /** Publishes product.created as the product service would, and waits until the catalogue has it. */
  const createProduct = async (
    fields: Partial<Omit<Payload<'product.created'>, 'product_id'>> = {},
    productId = newId(),
  ) => {
    const payload = {
      product_id: productId,
      version: fields.version ?? nextVersion(`product:${productId}`),
      name: 'Widget',
      category: 'tools',
      price: 9.99,
      quantity: 10,
      ...fields,
    }
    await kafka.publish('product.created', payload, { key: productId })
    if (withWorkers) {
      await waitFor(() => catalogue.get(productId)?.product_version === payload.version, {
        message: `product ${productId} in the catalogue`,
      })
    }
    return productId
  }

  /** product.updated with the product's next version (unless one is given). */
  const updateProduct = (
    productId: string,
    fields: Partial<Omit<Payload<'product.updated'>, 'product_id'>> = {},
    options: EventOptions = {},
  ) =>
    kafka.publish(
      'product.updated',
      {
        product_id: productId,
        version: fields.version ?? nextVersion(`product:${productId}`),
        name: 'Widget',
        category: 'tools',
        price: 9.99,
        quantity: 10,
        ...fields,
      },
      { key: productId, ...options },
    )

  const deleteProduct = (productId: string, options: EventOptions & { version?: number } = {}) =>
    kafka.publish(
      'product.deleted',
      { product_id: productId, version: options.version ?? nextVersion(`product:${productId}`) },
      { key: productId, ...options },
    )

  /** stock.updated with the stock's next version (unless one is given). */
  const publishStock = (
    productId: string,
    stock: number,
    options: EventOptions & { version?: number } = {},
  ) =>
    kafka.publish(
      'stock.updated',
      {
        product_id: productId,
        version: options.version ?? nextVersion(`stock:${productId}`),
        stock,
        reserved: 0,
        change: 0,
        reason: 'adjusted',
      },
      { key: productId, ...options },
    )

  const placeOrder = async (
    token: string,
    items: { product_id: string; quantity: number }[],
    key?: string,
    headers: Record<string, string> = {},
  ) =>
    call('POST', '/api/v1/orders', {
      token,
      body: { items },
      headers: { ...(key ? { 'Idempotency-Key': key } : {}), ...headers },
    })

  /** Waits until the order has the given status, as its owner sees it through the API. */
  const waitForStatus = (token: string, orderId: string, status: string) =>
    waitFor(
      async () => {
        const res = await call('GET', `/api/v1/orders/${orderId}`, { token })
        return res.body?.status === status && (res.body as OrderView)
      },
      { message: `order ${orderId} to be ${status}` },
    )

  /** Inventory's answers to an order.placed, as the inventory service publishes them. */
  const reserve = (orderId: string, options: EventOptions = {}) =>
    kafka.publish('stock.reserved', { order_id: orderId }, { key: orderId, ...options })

  const reject = (orderId: string, shortages: Shortage[], reason?: string, options: EventOptions = {}) =>
    kafka.publish('stock.rejected', { order_id: orderId, shortages, reason }, { key: orderId, ...options })

  const cancel = (orderId: string, token: string, headers: Record<string, string> = {}) =>
    call('POST', `/api/v1/orders/${orderId}/cancel`, { token, headers })

  const getOrder = async (orderId: string, token: string) =>
    (await call('GET', `/api/v1/orders/${orderId}`, { token })).body as OrderView

  /** Waits until a consumer has handled (applied or skipped) the consumed event with this id `times` times. */
  const handled = (eventId: string, times = 1) =>
    waitFor(
      () => entries.filter((e) => e.event_id === eventId && e.topic !== 'order.placed').length >= times,
      { message: `event ${eventId} handled ${times} time(s)` },
    )

  /**
   * Plays inventory answering every order.placed with stock.reserved (or, when `decide` says so, a
   * rejection); returns its stop. A consumer group of its own, from the beginning of this test's topic.
   */
  const autoDecide = async (
    decide: (placed: Payload<'order.placed'>) => 'reserve' | 'reject' | 'ignore' = () => 'reserve',
  ) => {
    const consumer = await kafka.consume({
      groupId: uniqueName('inventory_stand_in'),
      topics: ['order.placed'],
      handle: async (event) => {
        const orderId = event.payload.order_id
        const answer = decide(event.payload)
        if (answer === 'reserve') await reserve(orderId)
        if (answer === 'reject') await reject(orderId, [], 'no stock')
      },
    })
    return consumer.stop
  }

  /** Every event of an order in its log, in seq order. */
  const eventsOf = async (orderId: string) =>
    (await collections(db).orderEvents.find({ order_id: orderId }).toArray()).sort((a, b) => a.seq - b.seq)

  return {
    app,
    kafka,
    /** Prepended to every topic name: a replica process given it shares this harness's topics. */
    topicPrefix: kafka.physical(''),
    brokers: testServers.kafkaBrokers,
    log,
    entries,
    db: collections(db),
    mongo,
    catalogue,
    workers,
    groupId,
    issuer,
    tap,
    tokenFor,
    call,
    createProduct,
    updateProduct,
    deleteProduct,
    publishStock,
    placeOrder,
    waitForStatus,
    reserve,
    reject,
    cancel,
    getOrder,
    handled,
    eventsOf,
    autoDecide,
    async stop() {
      for (const pending of taps.values()) await (await pending).stop()
      await workers?.stop()
      await kafka.disconnect()
      issuer.stop()
      await mongo.drop()
    },
  }
}

export type Harness = Awaited<ReturnType<typeof createHarness>>
