import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Kafka, logLevel } from 'kafkajs'
import { createBaseApp } from '../http/base-app.ts'
import { createMemoryLogger } from '../log.ts'
import { createTelemetry } from '../observability/telemetry.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { uniqueName } from '../testing/names.ts'
import { testServers } from '../testing/servers.ts'
import { waitFor } from '../testing/wait-for.ts'

/** The broker's default message size limit (message.max.bytes), from which the test steps down. */
const BROKER_LIMIT = 1_048_588
const STEP = 16

describe('a poison message too large to park whole', () => {
  const { log, entries } = createMemoryLogger('inventory')
  const telemetry = createTelemetry({ service: 'inventory' })
  const kafka = createTestKafka('inventory', log, { telemetry })
  const app = createBaseApp({ service: 'inventory', log, ready: {}, telemetry })
  const producer = new Kafka({ brokers: testServers.kafkaBrokers, logLevel: logLevel.NOTHING }).producer()
  const tooLarge = (error: unknown): boolean =>
    !!error &&
    ((error as { type?: string }).type === 'MESSAGE_TOO_LARGE' ||
      tooLarge((error as { cause?: unknown; originalError?: unknown }).cause) ||
      tooLarge((error as { originalError?: unknown }).originalError))

  /** Sends the largest non-JSON message the broker accepts: a few bytes more and it refuses it. */
  const sendLargestAccepted = async (topic: string) => {
    for (let size = BROKER_LIMIT; size > BROKER_LIMIT - 2_000; size -= STEP) {
      const message = { key: 'k', value: 'x'.repeat(size), headers: { ce_id: crypto.randomUUID() } }
      const sent = await producer.send({ topic, messages: [message] }).then(
        () => true,
        (error) => (tooLarge(error) ? false : Promise.reject(error)),
      )
      if (sent) return
    }
    throw new Error('the broker refused every size tried')
  }

  beforeAll(async () => {
    await kafka.start()
    await producer.connect()
  })
  afterAll(async () => {
    await producer.disconnect()
    await kafka.disconnect()
  })

  it('parks the first bytes of a poison message too big to park whole, and goes on with the next message', async () => {
    const handled: string[] = []
    const consumer = await kafka.consume({
      groupId: uniqueName('g'),
      topics: ['stock.low'],
      handle: async (event) => {
        handled.push(event.payload.product_id)
      },
    })
    expect((await app.request('/ready')).status).toBe(200)
    // Not JSON, so poison; its DLQ copy (the same bytes plus the dlq_* headers) is over the size limit.
    await sendLargestAccepted(kafka.physical('stock.low'))
    const productId = 'a'.repeat(24)
    await kafka.publish(
      'stock.low',
      { product_id: productId, stock: 1, reorder_threshold: 5 },
      { key: productId },
    )
    await waitFor(() => handled.includes(productId), {
      message: 'the next message to be handled',
      timeoutMs: 30_000,
    })
    const parked = await kafka.tap('stock.low.dlq')
    const copy = await waitFor(() => parked.messages[0], { message: 'the truncated copy on the DLQ' })
    expect(copy.headers.dlq_truncated).toBe('true')
    expect(copy.value?.length).toBe(64 * 1024)
    expect((await app.request('/ready')).status).toBe(200)
    expect(entries.some((entry) => entry.msg === 'Kafka consumer crashed')).toBe(false)
    await consumer.stop()
    await parked.stop()
  })
})
