import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Collection } from 'mongodb'
import { CE_HEADERS } from '../events/envelope.ts'
import { createMemoryLogger } from '../log.ts'
import { createDocumentLock, type DocumentLock, ensureLockCollection } from '../mongo/document-lock.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { createTestMongo } from '../testing/mongo.ts'
import { waitFor } from '../testing/wait-for.ts'
import { outboxMessage } from './message.ts'
import {
  createMongoOutbox,
  type OutboxFields,
  outboxOnInsert,
  withOutbox,
  withoutOutbox,
} from './mongo-store.ts'
import { startOutboxRelay } from './relay.ts'

interface Thing extends OutboxFields {
  _id: string
  stock: number
}

const stockEvent = (product_id: string, stock: number) =>
  outboxMessage(
    'stock.updated',
    { product_id, stock, reserved: 0, change: 1, reason: 'adjusted', version: 1 },
    { key: product_id },
  )

describe('in-document outbox on the real MongoDB-compatible server', () => {
  const { log } = createMemoryLogger('product')
  const kafka = createTestKafka('product', log)
  let mongo: Awaited<ReturnType<typeof createTestMongo>>
  let things: Collection<Thing>
  let lock: DocumentLock

  beforeAll(async () => {
    mongo = await createTestMongo('outbox')
    things = mongo.db.collection<Thing>('things')
    await ensureLockCollection(mongo.db)
    lock = createDocumentLock(mongo.db)
    await kafka.start()
  })
  afterAll(async () => {
    await kafka.disconnect()
    await mongo.drop()
  })

  it('publishes each event of a document in order, once, and clears the pending count', async () => {
    const tap = await kafka.tap('stock.updated')
    const id = 'a'.repeat(24)
    await things.insertOne({ _id: id, stock: 1, ...outboxOnInsert(stockEvent(id, 1)) })
    for (const stock of [2, 3]) {
      await things.updateOne({ _id: id }, withOutbox<Thing>({ $set: { stock } }, stockEvent(id, stock)))
    }
    const relay = startOutboxRelay({
      store: createMongoOutbox(things, { lock }),
      publish: kafka.publish,
      log,
    })
    await waitFor(() => tap.messages.length === 3, { message: 'three events' })
    await relay.stop()
    expect(tap.messages.map((m) => JSON.parse(m.value ?? '').stock)).toEqual([1, 2, 3])
    const doc = await things.findOne({ _id: id })
    expect(doc).toMatchObject({ stock: 3, outbox_sent: 3, outbox_pending: 0, outbox_ready: false })
    expect(withoutOutbox(doc as Thing)).toEqual({ _id: id, stock: 3 })
    await tap.stop()
  })

  it('keeps events while Kafka refuses them and publishes them once it accepts again', async () => {
    const tap = await kafka.tap('stock.updated')
    const before = await waitFor(() => tap.messages.length >= 3 && tap.messages.length)
    const id = 'b'.repeat(24)
    await things.insertOne({ _id: id, stock: 5, ...outboxOnInsert(stockEvent(id, 5)) })
    let brokerDown = true
    const flaky: typeof kafka.publish = async (...args) => {
      if (brokerDown) throw new Error('KafkaJSConnectionError: ECONNREFUSED')
      return kafka.publish(...args)
    }
    const relay = startOutboxRelay({ store: createMongoOutbox(things, { lock }), publish: flaky, log })
    await Bun.sleep(300)
    expect((await things.findOne({ _id: id }))?.outbox_pending).toBe(1)
    brokerDown = false
    await waitFor(() => tap.messages.length === before + 1, { message: 'the held event' })
    await relay.stop()
    await tap.stop()
  })

  it('sends each event once when two relays run at once', async () => {
    const tap = await kafka.tap('stock.updated')
    const before = await waitFor(() => tap.messages.length >= 4 && tap.messages.length)
    const ids = Array.from({ length: 10 }, (_, i) => i.toString(16).padStart(24, 'c'))
    await things.insertMany(ids.map((id) => ({ _id: id, stock: 1, ...outboxOnInsert(stockEvent(id, 1)) })))
    // Each relay with a lock of its own, as in two processes: only the lock documents keep them apart.
    const relays = [1, 2].map(() =>
      startOutboxRelay({
        store: createMongoOutbox(things, { lock: createDocumentLock(mongo.db) }),
        publish: kafka.publish,
        log,
        batchSize: 2,
      }),
    )
    await waitFor(() => tap.messages.length >= before + 10, { message: 'ten events' })
    await Bun.sleep(200)
    await Promise.all(relays.map((relay) => relay.stop()))
    const sent = tap.messages.slice(before).map((m) => m.headers[CE_HEADERS.id])
    expect(sent).toHaveLength(10)
    expect(new Set(sent).size).toBe(10)
    await tap.stop()
  })
})
