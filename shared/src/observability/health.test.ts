import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Collection } from 'mongodb'
import { createBaseApp } from '../http/base-app.ts'
import { createMemoryLogger } from '../log.ts'
import { createDocumentLock, ensureLockCollection } from '../mongo/document-lock.ts'
import { outboxMessage } from '../outbox/message.ts'
import { createMongoOutbox, type OutboxFields, outboxOnInsert } from '../outbox/mongo-store.ts'
import { startOutboxRelay } from '../outbox/relay.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { createTestMongo } from '../testing/mongo.ts'
import { uniqueName } from '../testing/names.ts'
import { waitFor } from '../testing/wait-for.ts'
import { createTelemetry } from './telemetry.ts'

const PRODUCT = 'eeeeeeeeeeeeeeeeeeeeeeee'
const stockUpdated = {
  product_id: PRODUCT,
  stock: 1,
  reserved: 0,
  change: 1,
  reason: 'initial',
  version: 1,
} as const

interface Doc extends OutboxFields {
  _id: string
}

/** `/ready`'s answer once it has turned to `status`. */
async function readyTurns(app: { request: (path: string) => Response | Promise<Response> }, status: number) {
  return waitFor(
    async () => {
      const response = await app.request('/ready')
      return response.status === status && ((await response.json()) as { down?: string[] })
    },
    { message: `/ready to answer ${status}` },
  )
}

describe('/ready notices a stuck consumer and a stuck outbox relay', () => {
  const { log } = createMemoryLogger('inventory')
  const telemetry = createTelemetry({ service: 'inventory' })
  const kafka = createTestKafka('inventory', log, { telemetry })
  const app = createBaseApp({ service: 'inventory', log, ready: { kafka: () => kafka.ping() }, telemetry })
  let mongo: Awaited<ReturnType<typeof createTestMongo>>

  beforeAll(async () => {
    mongo = await createTestMongo('ready')
    await ensureLockCollection(mongo.db)
    await kafka.start()
  })
  afterAll(async () => {
    await kafka.disconnect()
    await mongo.drop()
  })

  it('answers 503 naming consumers while a consumer has retried one message for too long, 200 once it stops', async () => {
    expect(await readyTurns(app, 200)).not.toHaveProperty('down')
    const consumer = await kafka.consume({
      groupId: uniqueName('g'),
      topics: ['stock.updated'],
      stuckAfterMs: 300,
      handle: async () => {
        throw new Error('the database is gone')
      },
    })
    const ready = (await (await app.request('/ready')).json()) as { checks: Record<string, string> }
    expect(ready.checks).toEqual({ kafka: 'up', consumers: 'up' })

    await kafka.publish('stock.updated', stockUpdated, { key: PRODUCT })
    expect((await readyTurns(app, 503)).down).toEqual(['consumers'])
    expect(consumer.problem()).toMatch(/retrying stock\.updated\/\d+@0 for \d+ s/)

    await consumer.stop()
    await readyTurns(app, 200)
  })

  it('answers 503 naming relay while the relay has failed to publish pending events for too long', async () => {
    const things: Collection<Doc> = mongo.db.collection<Doc>('things')
    const message = outboxMessage('stock.updated', stockUpdated, { key: PRODUCT })
    await things.insertOne({ _id: message.id, ...outboxOnInsert(message) })
    let brokerDown = true
    const publish: typeof kafka.publish = async (...args) => {
      if (brokerDown) throw Object.assign(new Error('ECONNREFUSED'), { retriable: true })
      return kafka.publish(...args)
    }
    const relay = startOutboxRelay({
      store: createMongoOutbox(things, { lock: createDocumentLock(mongo.db) }),
      publish,
      log,
      telemetry,
      stuckAfterMs: 300,
    })

    expect((await readyTurns(app, 503)).down).toEqual(['relay'])
    expect(relay.problem()).toMatch(/has not published pending events for \d+ s/)
    brokerDown = false
    await readyTurns(app, 200)
    await relay.stop()
  })
})
