import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { SpanKind } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { Collection } from 'mongodb'
import { createBaseApp } from '../http/base-app.ts'
import { createMemoryLogger } from '../log.ts'
import { connectMongo } from '../mongo/connect.ts'
import { createDocumentLock, ensureLockCollection } from '../mongo/document-lock.ts'
import { outboxMessage } from '../outbox/message.ts'
import { createMongoOutbox, type OutboxFields, outboxOnInsert } from '../outbox/mongo-store.ts'
import { startOutboxRelay } from '../outbox/relay.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { createTestMongo } from '../testing/mongo.ts'
import { uniqueName } from '../testing/names.ts'
import { waitFor } from '../testing/wait-for.ts'
import { createTelemetry } from './telemetry.ts'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN = '00f067aa0ba902b7'
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`
const PRODUCT = 'dddddddddddddddddddddddd'

interface Doc extends OutboxFields {
  _id: string
}

const traceIdOf = (traceparent: string | null | undefined) => traceparent?.split('-')[1]
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId

describe('one trace from an HTTP request through the outbox and Kafka to the event it causes', () => {
  const { log } = createMemoryLogger('inventory')
  const exporter = new InMemorySpanExporter()
  const telemetry = createTelemetry({ service: 'inventory', exporter })
  const kafka = createTestKafka('inventory', log, { telemetry })
  let testDb: Awaited<ReturnType<typeof createTestMongo>>
  let mongo: Awaited<ReturnType<typeof connectMongo>>
  let changes: Collection<Doc>
  let reactions: Collection<Doc>
  const spans = () => exporter.getFinishedSpans()

  beforeAll(async () => {
    testDb = await createTestMongo('trace')
    mongo = await connectMongo(testDb.url, { telemetry })
    changes = mongo.db.collection<Doc>('changes')
    reactions = mongo.db.collection<Doc>('reactions')
    await ensureLockCollection(mongo.db)
    await kafka.start()
  })
  afterAll(async () => {
    await kafka.disconnect()
    await mongo.client.close()
    await testDb.drop()
  })

  const app = () => {
    const base = createBaseApp({ service: 'inventory', log, ready: {}, telemetry })
    base.post('/changes', async (c) => {
      const message = outboxMessage(
        'stock.updated',
        { product_id: PRODUCT, stock: 2, reserved: 0, change: -3, reason: 'adjusted', version: 2 },
        { key: PRODUCT, correlationId: c.var.requestId },
      )
      await changes.insertOne({ _id: message.id, ...outboxOnInsert(message) })
      return c.json({ id: message.id }, 201)
    })
    base.get('/widgets/:id', (c) => c.json({ id: c.req.param('id') }))
    return base
  }

  it('gives a request with an incoming traceparent a server span in that trace, under the caller', async () => {
    exporter.reset()
    const response = await app().request('/widgets/7', { headers: { traceparent: TRACEPARENT } })
    expect(response.status).toBe(200)
    const [server] = spans().filter((span) => span.kind === SpanKind.SERVER)
    expect(server?.spanContext().traceId).toBe(TRACE_ID)
    expect(server && parentOf(server)).toBe(CALLER_SPAN)
    expect(server?.name).toBe('GET /widgets/:id')
    expect(server?.attributes['http.response.status_code']).toBe(200)
  })

  it('makes no span for the probes /health and /ready', async () => {
    exporter.reset()
    await app().request('/health', { headers: { traceparent: TRACEPARENT } })
    await app().request('/ready')
    expect(spans()).toEqual([])
  })

  it('starts a new trace for a request without one', async () => {
    exporter.reset()
    await app().request('/widgets/8')
    const [server] = spans()
    expect(server?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(server?.spanContext().traceId).not.toBe(TRACE_ID)
    expect(server?.parentSpanContext).toBeUndefined()
  })

  it('continues the request trace in the relay publish, the consumer and the event the consumer writes', async () => {
    exporter.reset()
    const lock = createDocumentLock(mongo.db)
    const relays = [changes, reactions].map((collection) =>
      startOutboxRelay({
        store: createMongoOutbox(collection, { lock }),
        publish: kafka.publish,
        log,
        telemetry,
      }),
    )
    const lows: string[] = []
    const consumers = [
      await kafka.consume({
        groupId: uniqueName('g'),
        topics: ['stock.updated'],
        handle: async (event) => {
          const low = outboxMessage(
            'stock.low',
            { product_id: PRODUCT, stock: event.payload.stock, reorder_threshold: 5 },
            { key: PRODUCT, correlationId: event.correlationId },
          )
          await reactions.insertOne({ _id: low.id, ...outboxOnInsert(low) })
        },
      }),
      await kafka.consume({
        groupId: uniqueName('g'),
        topics: ['stock.low'],
        handle: async (event) => {
          lows.push(event.id)
        },
      }),
    ]

    const response = await app().request('/changes', {
      method: 'POST',
      headers: { traceparent: TRACEPARENT },
    })
    expect(response.status).toBe(201)
    const { id } = (await response.json()) as { id: string }
    const [stored] = (await changes.findOne({ _id: id }))?.outbox ?? []
    expect(traceIdOf(stored?.traceparent)).toBe(TRACE_ID)

    await waitFor(() => lows.length === 1, { message: 'the stock.low the consumer caused' })
    const [reaction] = await reactions.find().toArray()
    expect(traceIdOf(reaction?.outbox[0]?.traceparent)).toBe(TRACE_ID)
    await waitFor(() => spans().filter((span) => span.name === 'stock.low process').length === 1, {
      message: 'the last consumer span',
    })
    for (const relay of relays) await relay.stop()
    for (const consumer of consumers) await consumer.stop()

    const named = (name: string) => {
      const span = spans().find((s) => s.name === name)
      if (!span)
        throw new Error(
          `no span ${name} among ${spans()
            .map((s) => s.name)
            .join(', ')}`,
        )
      return span
    }
    const server = named('POST /changes')
    const publish = named('stock.updated publish')
    const consume = named('stock.updated process')
    const publishLow = named('stock.low publish')
    const consumeLow = named('stock.low process')
    for (const span of [server, publish, consume, publishLow, consumeLow])
      expect(span.spanContext().traceId).toBe(TRACE_ID)
    expect(parentOf(server)).toBe(CALLER_SPAN)
    expect(parentOf(publish)).toBe(server.spanContext().spanId)
    expect(parentOf(consume)).toBe(publish.spanContext().spanId)
    expect(parentOf(publishLow)).toBe(consume.spanContext().spanId)
    expect(parentOf(consumeLow)).toBe(publishLow.spanContext().spanId)
    expect(publish.kind).toBe(SpanKind.PRODUCER)
    expect(consume.kind).toBe(SpanKind.CONSUMER)
    // The store calls made inside the request and the handler are spans of the same trace.
    const inserts = spans().filter((s) => s.name === 'mongodb insert')
    expect(inserts.map(parentOf).sort()).toEqual([server, consume].map((s) => s.spanContext().spanId).sort())
    // The relays' polling outside any trace makes no spans of its own.
    expect(spans().filter((s) => s.name === 'mongodb find' && !s.parentSpanContext)).toEqual([])
  })
})
