import { createJwtVerifier } from '@shop/shared/http/auth'
import { createLogger, createMemoryLogger } from '@shop/shared/log'
import { createTestIssuer } from '@shop/shared/testing/issuer'
import { createTestKafka } from '@shop/shared/testing/kafka'
import { createTestMongo } from '@shop/shared/testing/mongo'
import { ObjectId } from 'mongodb'
import { createApp } from '../src/app.ts'
import { ensureProductIndexes, type ProductDoc, productsCollection } from '../src/products/document.ts'

export const PRODUCTS = '/api/v1/products'

export const sampleProduct = (overrides: Record<string, unknown> = {}) => ({
  name: 'Espresso cup',
  description: 'Porcelain, 90 ml',
  category: 'kitchen',
  price: 12.5,
  quantity: 40,
  ...overrides,
})

/**
 * One test file's world on the real servers: a Mongo database and Kafka topics of its own, a JWKS issuer,
 * the app built by createApp, and tokens for an admin and a customer.
 */
export async function createTestbed({
  clock,
  onEventStored,
}: {
  clock?: () => Date
  onEventStored?: () => void
} = {}) {
  const { log, entries } = createMemoryLogger('product')
  const mongo = await createTestMongo('product')
  const kafka = createTestKafka('product', createLogger({ service: 'product', level: 'error' }))
  const issuer = await createTestIssuer()
  await Promise.all([kafka.start(), ensureProductIndexes(mongo.db)])
  const app = createApp({
    db: mongo.db,
    kafka,
    verifyToken: createJwtVerifier({ jwks: issuer.jwksUrl }),
    log,
    clock,
    onEventStored,
  })
  const adminToken = await issuer.sign({ sub: crypto.randomUUID(), role: 'admin' })
  const customerToken = await issuer.sign({ sub: crypto.randomUUID(), role: 'customer' })

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
    log,
    entries,
    kafka,
    mongo,
    db: mongo.db,
    products: productsCollection(mongo.db),
    adminToken,
    customerToken,
    send,
    asAdmin,
    create,
    rawDoc: (id: string) => productsCollection(mongo.db).findOne({ _id: new ObjectId(id) }),
    async close() {
      await Promise.all([kafka.disconnect(), mongo.drop()])
      issuer.stop()
    },
  }
}

export type Testbed = Awaited<ReturnType<typeof createTestbed>>
export type { ProductDoc }
