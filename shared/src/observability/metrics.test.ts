import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createBaseApp } from '../http/base-app.ts'
import { PoisonMessageError } from '../kafka/errors.ts'
import { createMemoryLogger } from '../log.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { uniqueName } from '../testing/names.ts'
import { waitFor } from '../testing/wait-for.ts'
import { parsePrometheusText, sampleValue } from './prometheus-text.ts'
import { createTelemetry } from './telemetry.ts'

const PRODUCT = 'cccccccccccccccccccccccc'
const stock = (n: number) => ({
  product_id: PRODUCT,
  stock: n,
  reserved: 0,
  change: n,
  reason: 'initial' as const,
  version: n,
})

describe('/metrics counters that move with the traffic', () => {
  const { log } = createMemoryLogger('inventory')
  const telemetry = createTelemetry({ service: 'inventory' })
  const kafka = createTestKafka('inventory', log, { telemetry })
  const metrics = async () => parsePrometheusText((await telemetry.scrape()).body)

  beforeAll(() => kafka.start())
  afterAll(async () => {
    await kafka.disconnect()
  })

  it('times each HTTP request by method, route template and status, and parses as Prometheus text', async () => {
    const app = createBaseApp({ service: 'inventory', log, ready: {}, telemetry })
    app.get('/widgets/:id', (c) => c.json({ id: c.req.param('id') }))
    await app.request('/widgets/42')
    await app.request('/widgets/43')
    await app.request('/nowhere')

    const samples = await metrics()
    const count = (route: string, status: string) =>
      sampleValue(samples, 'http_request_duration_seconds_count', { method: 'GET', route, status })
    expect(count('/widgets/:id', '200')).toBe(2)
    expect(count('unmatched', '404')).toBe(1)
    expect(samples.some((s) => s.labels.route === '/widgets/42')).toBe(false)
    expect(sampleValue(samples, 'process_cpu_seconds_total', { service: 'inventory' })).toBeGreaterThan(0)
  })

  it('counts produced and consumed events by topic and outcome: ok, retried, dead-lettered', async () => {
    let failedOnce = false
    const consumer = await kafka.consume({
      groupId: uniqueName('g'),
      topics: ['stock.updated'],
      handle: async (event) => {
        if (event.payload.stock === 2 && !failedOnce) {
          failedOnce = true
          throw new Error('transient')
        }
        if (event.payload.stock === 3) throw new PoisonMessageError('cannot apply')
      },
    })
    for (const n of [1, 2, 3]) await kafka.publish('stock.updated', stock(n), { key: PRODUCT })

    const consumed = (outcome: string) =>
      sampleValue(samples, 'kafka_messages_consumed_total', { topic: 'stock.updated', outcome })
    let samples = await metrics()
    await waitFor(
      async () => {
        samples = await metrics()
        return consumed('ok') === 2 && consumed('dead_lettered') === 1
      },
      { message: 'two handled and one parked' },
    )
    expect(consumed('retried')).toBe(1)
    expect(
      sampleValue(samples, 'kafka_messages_produced_total', { topic: 'stock.updated', outcome: 'ok' }),
    ).toBe(3)
    expect(sampleValue(samples, 'kafka_event_handling_delay_seconds_count', { topic: 'stock.updated' })).toBe(
      2,
    )
    // Lag is recorded as each batch ends, just after its last message was handled.
    const lag = await waitFor(
      async () => {
        const partitions = (await metrics()).filter(
          (s) => s.name === 'kafka_consumer_lag' && s.labels.topic === 'stock.updated',
        )
        return partitions.length > 0 && partitions
      },
      { message: 'a lag sample' },
    )
    expect(lag.every((s) => s.value === 0)).toBe(true)
    await consumer.stop()
  })
})
