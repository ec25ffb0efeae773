import { setDefaultTimeout } from 'bun:test'
import type { Payload } from '@shop/shared/events/topics'
import { createJwtVerifier } from '@shop/shared/http/auth'
import { createMemoryLogger } from '@shop/shared/log'
import { createTestIssuer } from '@shop/shared/testing/issuer'
import { createTestKafka } from '@shop/shared/testing/kafka'
import { createTestMongo } from '@shop/shared/testing/mongo'
import { uniqueName } from '@shop/shared/testing/names'
import { waitFor } from '@shop/shared/testing/wait-for'
import { ObjectId } from 'mongodb'
import { createApp } from '../src/app.ts'
import { collections, ensureIndexes } from '../src/db.ts'
import type { OrderView } from '../src/orders/model.ts'
import { startWorkers, type Workers } from '../src/worker.ts'

// Above waitFor's 15 s, so a slow condition fails with waitFor's message rather than a bare timeout.
setDefaultTimeout(20_000)

export const newId = () => new ObjectId().toHexString()

type Shortage = Payload<'stock.rejected'>['shortages'][number]
type EventOptions = { id?: string; correlationId?: string }

/**
 * The shared test broker holds thousands of topics (test topics are never deleted), and under load
 * createTopics sometimes fails with UNKNOWN_TOPIC_OR_PARTITION while it waits for leaders. start() can be
 * called again: it creates only what is missing.
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

/**
 * The order service as main.ts builds it, on the real broker and store with a database, topics and consumer
 * group of its own, plus what a test needs to act as the product and inventory services and as users.
 */
export async function createHarness() {
  const { log, entries } = createMemoryLogger('order')
  const mongo = await createTestMongo('order')
  const kafka = createTestKafka('order', log)
  const issuer = await createTestIssuer()
  await ensureIndexes(mongo.db)
  await startKafka(kafka)
  const groupId = uniqueName('order')
  const workers: Workers = await startWorkers({ db: mongo.db, kafka, log, groupId })
  const app = createApp({
    db: mongo.db,
    verify: createJwtVerifier({ jwks: issuer.jwksUrl }),
    log,
    ready: { mongo: () => mongo.db.command({ ping: 1 }), kafka: () => kafka.ping() },
    wakeOutbox: workers.wake,
  })
  const db = collections(mongo.db)
  const taps = new Map<string, Promise<Tap>>()

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
      name: 'Widget',
      category: 'tools',
      price: 9.99,
      quantity: 10,
      ...fields,
    }
    await kafka.publish('product.created', payload, { key: productId })
    await waitFor(async () => (await db.catalogue.findOne({ _id: productId }))?.name === payload.name, {
      message: `product ${productId} in the catalogue`,
    })
    return productId
  }

  const publishStock = (
    productId: string,
    stock: number,
    options: { id?: string; time?: string; correlationId?: string } = {},
  ) =>
    kafka.publish(
      'stock.updated',
      { product_id: productId, stock, reserved: 0, change: 0, reason: 'adjusted' },
      { key: productId, ...options },
    )

  const placeOrder = async (token: string, items: { product_id: string; quantity: number }[], key?: string) =>
    call('POST', '/api/v1/orders', { token, body: { items }, headers: key ? { 'Idempotency-Key': key } : {} })

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

  /** Waits until the consumer has handled (applied or skipped) the consumed event with this id `times` times. */
  const handled = (eventId: string, times = 1) =>
    waitFor(
      () => entries.filter((e) => e.event_id === eventId && e.topic !== 'order.placed').length >= times,
      {
        message: `event ${eventId} handled ${times} time(s)`,
      },
    )

  return {
    app,
    kafka,
    log,
    entries,
    db,
    mongo,
    workers,
    groupId,
    tap,
    tokenFor,
    call,
    createProduct,
    publishStock,
    placeOrder,
    waitForStatus,
    reserve,
    reject,
    cancel,
    getOrder,
    handled,
    async stop() {
      for (const pending of taps.values()) await (await pending).stop()
      await workers.stop()
      await kafka.disconnect()
      issuer.stop()
      await mongo.drop()
    },
  }
}

export type Harness = Awaited<ReturnType<typeof createHarness>>
