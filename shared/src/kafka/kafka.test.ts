import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Kafka, logLevel } from 'kafkajs'
import { CE_HEADERS, DLQ_HEADERS } from '../events/envelope.ts'
import { createMemoryLogger } from '../log.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { uniqueName } from '../testing/names.ts'
import { testServers } from '../testing/servers.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { ConsumedEvent } from './codec.ts'
import { InvalidEventError } from './errors.ts'

const PRODUCT_A = 'aaaaaaaaaaaaaaaaaaaaaaaa'
const PRODUCT_B = 'bbbbbbbbbbbbbbbbbbbbbbbb'
const stockUpdate = (product_id: string, stock: number) => ({
  product_id,
  stock,
  reserved: 0,
  change: stock,
  reason: 'initial' as const,
  version: 1,
})

describe('shared Kafka helper against the real broker', () => {
  const { log, entries } = createMemoryLogger('inventory')
  const kafka = createTestKafka('inventory', log)

  beforeAll(() => kafka.start())
  afterAll(() => kafka.disconnect())

  it('delivers a published event to a consumer group with its CloudEvents envelope and correlation id', async () => {
    const received: ConsumedEvent<'stock.updated'>[] = []
    const consumer = await kafka.consume({
      groupId: uniqueName('g'),
      topics: ['stock.updated'],
      handle: async (event) => {
        received.push(event)
      },
    })
    const id = await kafka.publish('stock.updated', stockUpdate(PRODUCT_A, 7), {
      key: PRODUCT_A,
      correlationId: 'req-123',
    })
    const [event] = await waitFor(() => received.length > 0 && received, { message: 'the event' })
    expect(event).toMatchObject({
      topic: 'stock.updated',
      id,
      key: PRODUCT_A,
      source: '/inventory-service',
      correlationId: 'req-123',
      payload: stockUpdate(PRODUCT_A, 7),
    })
    await consumer.stop()
    expect(entries.some((entry) => entry.msg === 'Kafka consumer started')).toBe(true)
    expect(entries.some((entry) => entry.msg === 'Kafka producer started')).toBe(true)
  })

  it('refuses to publish a payload that breaks its schema', async () => {
    const invalid = { product_id: 'not-an-id', stock: -1 } as never
    await expect(kafka.publish('stock.updated', invalid, { key: 'x' })).rejects.toBeInstanceOf(
      InvalidEventError,
    )
  })

  it('parks a poison message on <topic>.dlq with the reason, and still handles the next good one', async () => {
    const dlq = await kafka.tap('stock.updated.dlq')
    const handled: number[] = []
    const consumer = await kafka.consume({
      groupId: uniqueName('g'),
      topics: ['stock.updated'],
      concurrency: 1,
      handle: async (event) => {
        if (event.payload.product_id === PRODUCT_B) handled.push(event.payload.stock)
      },
    })
    // Same key, so both land on one partition and the good message comes after the bad one.
    await kafka.publish('stock.updated', stockUpdate(PRODUCT_B, 1), { key: PRODUCT_B })
    // Sent around the helper, as a broken or foreign producer would.
    const producer = new Kafka({ brokers: testServers.kafkaBrokers, logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    await producer.send({
      topic: kafka.physical('stock.updated'),
      messages: [
        { key: PRODUCT_B, value: '{not json', headers: { [CE_HEADERS.id]: crypto.randomUUID() } },
        {
          key: PRODUCT_B,
          value: JSON.stringify({ product_id: PRODUCT_B }),
          headers: { [CE_HEADERS.id]: crypto.randomUUID() },
        },
      ],
    })
    await kafka.publish('stock.updated', stockUpdate(PRODUCT_B, 2), { key: PRODUCT_B })

    await waitFor(() => handled.length === 2, { message: 'both good messages' })
    expect(handled).toEqual([1, 2])
    const parked = await waitFor(() => dlq.messages.length === 2 && dlq.messages, { message: 'two parked' })
    expect(parked[0]?.value).toBe('{not json')
    expect(parked[0]?.headers[DLQ_HEADERS.reason]).toStartWith('invalid JSON')
    expect(parked[1]?.headers[DLQ_HEADERS.reason]).toStartWith('schema mismatch')
    expect(parked[1]?.headers[DLQ_HEADERS.topic]).toBe('stock.updated')
    await Promise.all([consumer.stop(), dlq.stop(), producer.disconnect()])
  })

  it('retries a message whose handler fails transiently, without losing or skipping it', async () => {
    const attempts: number[] = []
    const handled: number[] = []
    const consumer = await kafka.consume({
      groupId: uniqueName('g'),
      topics: ['stock.updated'],
      handle: async (event) => {
        if (event.payload.stock !== 42) return
        attempts.push(event.payload.stock)
        if (attempts.length < 3) throw new Error('database is down')
        handled.push(event.payload.stock)
      },
    })
    await kafka.publish('stock.updated', stockUpdate(PRODUCT_A, 42), { key: PRODUCT_A })
    await waitFor(() => handled.length === 1, { message: 'the handler to succeed' })
    expect(attempts).toEqual([42, 42, 42])
    expect(handled).toEqual([42])
    expect(entries.some((entry) => entry.msg === 'Message handler failed; retrying')).toBe(true)
    await consumer.stop()
  })
})
