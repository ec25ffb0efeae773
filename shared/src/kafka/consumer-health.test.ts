import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Kafka, logLevel } from 'kafkajs'
import { createBaseApp } from '../http/base-app.ts'
import { createMemoryLogger } from '../log.ts'
import { createTelemetry } from '../observability/telemetry.ts'
import { uniqueName } from '../testing/names.ts'
import { testServers } from '../testing/servers.ts'
import { waitFor } from '../testing/wait-for.ts'
import { createKafka } from './client.ts'

/** The broker's default message size limit (message.max.bytes), from which the test steps down. */
const BROKER_LIMIT = 1_048_588
const STEP = 16

describe('/ready notices a consumer that kafkajs has stopped for good', () => {
  const { log, entries } = createMemoryLogger('inventory')
  const telemetry = createTelemetry({ service: 'inventory' })
  const kafka = createKafka({
    brokers: testServers.kafkaBrokers,
    service: 'inventory',
    log,
    topicPrefix: `${uniqueName('t')}.`,
    telemetry,
  })
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
    await kafka.dropTopics()
  })

  it('answers 503 naming consumers after a poison message too big to park crashed its consumer', async () => {
    const consumer = await kafka.consume({
      groupId: uniqueName('g'),
      topics: ['stock.low'],
      handle: async () => {},
    })
    expect((await app.request('/ready')).status).toBe(200)
    // Not JSON, so poison; its DLQ copy (the same bytes plus the dlq_* headers) is over the size limit, a
    // refusal no retry can change: parking fails, the consumer cannot move past it, kafkajs does not restart it.
    await sendLargestAccepted(kafka.physical('stock.low'))
    const answer = await waitFor(
      async () => {
        const response = await app.request('/ready')
        return response.status === 503 && ((await response.json()) as { down: string[] })
      },
      { message: '/ready to go down' },
    )
    expect(answer.down).toEqual(['consumers'])
    expect(consumer.problem()).toMatch(/crashed/)
    expect(entries.some((entry) => entry.msg === 'Kafka consumer crashed' && entry.restart === false)).toBe(
      true,
    )
    await consumer.stop()
    expect((await app.request('/ready')).status).toBe(200)
  })
})
