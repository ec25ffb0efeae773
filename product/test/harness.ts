import { createJwtVerifier, type VerifyToken } from '@shop/shared/http/auth'
import { createKafka } from '@shop/shared/kafka/client'
import { createLogger, createMemoryLogger, type Logger } from '@shop/shared/log'
import { createTestIssuer } from '@shop/shared/testing/issuer'
import { createTestKafka } from '@shop/shared/testing/kafka'
import { createTestMongo } from '@shop/shared/testing/mongo'
import { testServers } from '@shop/shared/testing/servers'
import { type Db, ObjectId } from 'mongodb'
import { createApp } from '../src/app.ts'
import { startCatalogue } from '../src/catalogue/start-catalogue.ts'
import { ensureProductIndexes, type ProductDoc, productsCollection } from '../src/products/document.ts'
import { createProductStore } from '../src/products/store.ts'

export const PRODUCTS = '/api/v1/products'

export const sampleProduct = (overrides: Record<string, unknown> = {}) => ({
  name: 'Espresso cup',
  description: 'Porcelain, 90 ml',
  category: 'kitchen',
  price: 12.5,
  quantity: 40,
  ...overrides,
})

type KafkaLike = Parameters<typeof createApp>[0]['kafka'] & Parameters<typeof startCatalogue>[0]['kafka']

interface ProcessDeps {
  db: Db
  kafka: KafkaLike
  verifyToken: VerifyToken
  log: Logger
  adminToken: string
  now?: () => Date
  wakeRelay?: () => void
}

/**
 * One product "process": its own in-memory catalogue with a consumer group of its own, the app built by
 * createApp on it, and request helpers. Two of them on one database and one set of topics are two replicas.
 */
async function startProductProcess({ db, kafka, verifyToken, log, adminToken, now, wakeRelay }: ProcessDeps) {
  const catalogue = await startCatalogue({ products: createProductStore(db), kafka, log })
  const app = createApp({ db, kafka, catalogue, verifyToken, log, now, wakeRelay })

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
  const asAdmin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    send(method, path, body, { Authorization: `Bearer ${adminToken}`, ...headers })

  /** Creates a product as admin and returns the response body (failing loudly on anything but 201). */
  const create = async (overrides: Record<string, unknown> = {}) => {
    const res = await asAdmin('POST', PRODUCTS, sampleProduct(overrides))
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`)
    return (await res.json()) as { _id: string } & Record<string, unknown>
  }

  return {
    app,
    catalogue: catalogue.catalogue,
    /** How many product events this process's consumer has handled so far. */
    handled: () => catalogue.handled,
    send,
    asAdmin,
    create,
    stop: catalogue.stop,
  }
}

export type ProductProcess = Awaited<ReturnType<typeof startProductProcess>>

/**
 * One test file's world on the real servers: a Mongo database and Kafka topics of its own, a JWKS issuer,
 * one product process (more with `replica()`), and tokens for an admin and a customer.
 */
export async function createHarness({ now, wakeRelay }: { now?: () => Date; wakeRelay?: () => void } = {}) {
  const { log, entries } = createMemoryLogger('product')
  const mongo = await createTestMongo('product')
  const quiet = createLogger({ service: 'product', level: 'error' })
  const kafka = createTestKafka('product', quiet)
  const issuer = await createTestIssuer()
  await Promise.all([kafka.start(), ensureProductIndexes(mongo.db)])
  const verifyToken = createJwtVerifier({ jwks: issuer.jwksUrl })
  const adminToken = await issuer.sign({ sub: crypto.randomUUID(), role: 'admin' })
  const customerToken = await issuer.sign({ sub: crypto.randomUUID(), role: 'customer' })
  const main = await startProductProcess({
    db: mongo.db,
    kafka,
    verifyToken,
    log,
    adminToken,
    now,
    wakeRelay,
  })
  const replicas: { stop(): Promise<unknown> }[] = []

  return {
    ...main,
    log,
    entries,
    kafka,
    mongo,
    db: mongo.db,
    products: productsCollection(mongo.db),
    adminToken,
    customerToken,
    rawDoc: (id: string) => productsCollection(mongo.db).findOne({ _id: new ObjectId(id) }),

    /** Another product process on the same database and topics, with a Kafka client and catalogue of its own. */
    async replica() {
      const own = createKafka({
        brokers: testServers.kafkaBrokers,
        service: 'product',
        log: quiet,
        topicPrefix: kafka.physical(''),
      })
      await own.start()
      const replica = await startProductProcess({
        db: mongo.db,
        kafka: own,
        verifyToken,
        log,
        adminToken,
        now,
      })
      const stop = async () => {
        await replica.stop()
        await own.disconnect()
      }
      replicas.push({ stop })
      return { ...replica, stop }
    },

    async close() {
      await Promise.all(replicas.map((replica) => replica.stop().catch(() => undefined)))
      await main.stop()
      await Promise.all([kafka.disconnect(), mongo.drop()])
      issuer.stop()
    },
  }
}

export type Harness = Awaited<ReturnType<typeof createHarness>>
export type { ProductDoc }
