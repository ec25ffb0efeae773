import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { context, trace } from '@opentelemetry/api'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { createMemoryLogger } from '../log.ts'
import { outboxMessage } from '../outbox/message.ts'
import { applyOutboxSchema, createPostgresOutbox, insertOutbox } from '../outbox/postgres-store.ts'
import { startOutboxRelay } from '../outbox/relay.ts'
import type { Sql } from '../postgres/connect.ts'
import { connectResilientPostgres } from '../postgres/resilient-pool.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { createTestDatabase } from '../testing/postgres.ts'
import { waitFor } from '../testing/wait-for.ts'
import { parsePrometheusText, sampleValue } from './prometheus-text.ts'
import { createTelemetry } from './telemetry.ts'
import { contextFromTraceparent } from './trace-context.ts'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`
const PRODUCT = 'ffffffffffffffffffffffff'

describe('PostgreSQL: statement metrics, and an outbox row that keeps its trace', () => {
  const { log } = createMemoryLogger('inventory')
  const exporter = new InMemorySpanExporter()
  const telemetry = createTelemetry({ service: 'inventory', exporter })
  const kafka = createTestKafka('inventory', log, { telemetry })
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let sql: Sql
  const metrics = async () => parsePrometheusText((await telemetry.scrape()).body)

  beforeAll(async () => {
    db = await createTestDatabase('otel')
    sql = connectResilientPostgres(db.url, { telemetry })
    await applyOutboxSchema(sql)
    await kafka.start()
  })
  afterAll(async () => {
    await kafka.disconnect()
    await sql.end({ timeout: 5 })
    await db.drop()
  })

  it('times statements by kind and whole transactions, on /metrics', async () => {
    const before = await metrics()
    await sql`SELECT 1`
    await sql.begin(async (tx) => {
      await tx`SELECT 2`
    })
    await expect(sql`SELECT nope`).rejects.toThrow()
    const after = await metrics()
    const delta = (statement: string, outcome: string) =>
      sampleValue(after, 'postgres_query_duration_seconds_count', { statement, outcome }) -
      sampleValue(before, 'postgres_query_duration_seconds_count', { statement, outcome })
    expect(delta('select', 'ok')).toBe(2)
    expect(delta('select', 'failed')).toBe(1)
    expect(delta('transaction', 'ok')).toBe(1)
  })

  it('publishes a row written inside a trace with that trace in its Kafka headers, and counts pending rows', async () => {
    const tap = await kafka.tap('stock.updated')
    const message = context.with(contextFromTraceparent(TRACEPARENT), () =>
      outboxMessage(
        'stock.updated',
        { product_id: PRODUCT, stock: 1, reserved: 0, change: 1, reason: 'initial', version: 1 },
        { key: PRODUCT },
      ),
    )
    await sql.begin((tx) => insertOutbox(tx, message))
    expect(sampleValue(await metrics(), 'outbox_events', { state: 'pending' })).toBe(0)

    const relay = startOutboxRelay({
      store: createPostgresOutbox(sql, { log }),
      publish: kafka.publish,
      log,
      telemetry,
    })
    expect(sampleValue(await metrics(), 'outbox_events', { state: 'pending' })).toBeLessThanOrEqual(1)
    const [sent] = await waitFor(() => tap.messages.length === 1 && tap.messages, { message: 'the event' })
    await relay.stop()
    await tap.stop()

    const publish = exporter.getFinishedSpans().find((span) => span.name === 'stock.updated publish')
    expect(publish?.spanContext().traceId).toBe(TRACE_ID)
    expect(sent?.headers.traceparent).toBe(`00-${TRACE_ID}-${publish?.spanContext().spanId}-01`)
    const samples = await metrics()
    expect(sampleValue(samples, 'outbox_published_total', { topic: 'stock.updated' })).toBe(1)
    expect(sampleValue(samples, 'outbox_publish_delay_seconds_count', { topic: 'stock.updated' })).toBe(1)
    expect(trace.getActiveSpan()).toBeUndefined()
  })
})
