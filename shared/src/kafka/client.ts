import { type Admin, Kafka, Partitioners, type Producer } from 'kafkajs'
import { serviceSource } from '../events/envelope.ts'
import { dlqTopic, type Payload, type Topic, topicNames, topics } from '../events/topics.ts'
import type { Logger } from '../log.ts'
import { resolveTelemetry, type Telemetry } from '../observability/telemetry.ts'
import { backoffMs, sleep } from '../runtime/sleep.ts'
import { encodeHeaders } from './codec.ts'
import { type ConsumeOptions, type ConsumerHandle, startConsumer } from './consumer.ts'
import { InvalidEventError } from './errors.ts'
import { kafkaLogCreator } from './log-creator.ts'
import { sendObserved } from './produce-telemetry.ts'

export interface KafkaOptions {
  brokers: string[]
  /** The service name without `-service`; gives the client id and the CloudEvents source. */
  service: string
  log: Logger
  /** Prepended to every physical topic name; tests use it to get topics of their own. */
  topicPrefix?: string
  partitions?: number
  /** Produced/consumed counters, lag, spans and consumer health; by default the process's (runService). */
  telemetry?: Telemetry | null
}

export interface PublishOptions {
  key: string
  correlationId?: string
  /** The CloudEvents id; an outbox passes its row id so a re-send carries the same id. */
  id?: string
  time?: string
  /**
   * The trace the event belongs to (an outbox event's stored `traceparent`): the producer span continues it.
   * Without one, the producer span is a child of the active span (the request publishing directly).
   */
  traceparent?: string | null
}

const PING_TIMEOUT_MS = 2_000
const DAY_MS = 24 * 60 * 60 * 1000
/** Events are kept a week (a consumer down for days still catches up); parked ones a month, for `npm run dlq`. */
export const TOPIC_RETENTION_MS = 7 * DAY_MS
export const DLQ_RETENTION_MS = 30 * DAY_MS

/**
 * Topics whose latest event per key is the aggregate's current state: compacted rather than expired, so a
 * process that keeps a read model in memory can rebuild it from the beginning of these topics at any age.
 */
export const STATE_TOPICS: readonly string[] = [
  'product.created',
  'product.updated',
  'product.deleted',
  'stock.updated',
]

/**
 * A topic replicated on up to three brokers; with three, an acks=all write needs two in sync, so one broker
 * can be lost without losing a committed event or refusing writes.
 */
const topicSpec = (topic: string, numPartitions: number, brokerCount: number) => {
  const replicationFactor = Math.min(3, brokerCount)
  return {
    topic,
    numPartitions,
    replicationFactor,
    configEntries: [
      { name: 'min.insync.replicas', value: String(replicationFactor >= 3 ? 2 : 1) },
      ...(STATE_TOPICS.some((state) => topic.endsWith(state))
        ? [{ name: 'cleanup.policy', value: 'compact' }]
        : [
            {
              name: 'retention.ms',
              value: String(topic.endsWith('.dlq') ? DLQ_RETENTION_MS : TOPIC_RETENTION_MS),
            },
          ]),
    ],
  }
}
const START_ATTEMPTS = 5

export type KafkaClient = ReturnType<typeof createKafka>

/**
 * The kafkajs client under createKafka: logs through `log`, retries a broker that is settling. Also for the
 * few readers that need kafkajs itself (tapTopic).
 */
export const kafkajsClient = ({
  brokers,
  clientId,
  log,
}: {
  brokers: string[]
  clientId: string
  log: Logger
}) =>
  new Kafka({
    clientId,
    brokers,
    logCreator: kafkaLogCreator(log),
    retry: { initialRetryTime: 200, retries: 8 },
  })

export function createKafka({
  brokers,
  service,
  log,
  topicPrefix = '',
  partitions = 3,
  telemetry: given,
}: KafkaOptions) {
  const telemetry = resolveTelemetry(given)
  const clientId = `${service}-service`
  const kafka = kafkajsClient({ brokers, clientId, log })
  const physical = (topic: string) => `${topicPrefix}${topic}`
  const logical = (name: string) => name.slice(topicPrefix.length) as Topic
  const consumers = new Map<ConsumerHandle, () => void>()

  let producer: Producer | undefined
  let admin: Admin | undefined
  let ready: Promise<void> | undefined

  const connect = async () => {
    admin = kafka.admin()
    await admin.connect()
    const names = topicNames.flatMap((topic) => [topic, dlqTopic(topic)]).map(physical)
    const existing = new Set(await admin.listTopics())
    const missing = names.filter((name) => !existing.has(name))
    if (missing.length > 0) {
      const { brokers: nodes } = await admin.describeCluster()
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => topicSpec(topic, partitions, nodes.length)),
      })
    }
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    })
    await producer.connect()
    log.info('Kafka producer started', { brokers, created_topics: missing.length })
  }

  /**
   * Connects the admin and the producer and creates every topic and its DLQ; safe to call again. A broker
   * still settling new topics answers "unknown topic or partition" for a moment: that is retried.
   */
  const start = () => {
    ready ??= (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await connect()
        } catch (error) {
          await admin?.disconnect().catch(() => undefined)
          if (attempt >= START_ATTEMPTS || (error as { retriable?: boolean }).retriable !== true) throw error
          log.warn('Kafka not ready yet; retrying', { attempt, error })
          await sleep(backoffMs(attempt, 500, 5_000) + 200)
        }
      }
    })().catch((error) => {
      ready = undefined
      throw error
    })
    return ready
  }

  const sendRaw = async (topic: string, message: Parameters<Producer['send']>[0]['messages'][number]) => {
    await start()
    await producer?.send({ topic: physical(topic), acks: -1, messages: [message] })
  }

  /** Validates the payload against its topic's schema, then sends it with the CloudEvents headers. */
  async function publish<T extends Topic>(topic: T, payload: Payload<T>, options: PublishOptions) {
    const parsed = topics[topic].safeParse(payload)
    if (!parsed.success) {
      throw new InvalidEventError(`refusing to publish an invalid ${topic}: ${parsed.error.message}`)
    }
    const id = options.id ?? crypto.randomUUID()
    const headers = encodeHeaders(topic, {
      id,
      time: options.time ?? new Date().toISOString(),
      source: serviceSource(service),
      correlationId: options.correlationId,
    })
    await sendObserved(telemetry, { topic, id, headers, traceparent: options.traceparent }, () =>
      sendRaw(topic, { key: options.key, value: JSON.stringify(parsed.data), headers }),
    )
    return id
  }

  async function consume<T extends Topic>(options: ConsumeOptions<T>) {
    await start()
    const handle = await startConsumer(kafka, options, {
      log,
      physical,
      logical,
      park: (topic, message) => sendRaw(dlqTopic(topic), message),
      telemetry,
    })
    consumers.set(handle, telemetry?.health.register('consumers', handle) ?? (() => undefined))
    return {
      /** Why this consumer no longer consumes (it crashed for good), or undefined while it runs. */
      problem: () => handle.problem(),
      /** Whether this process consumes that partition of that topic for its group now. */
      owns: (topic: Topic, partition: number) => handle.owns(topic, partition),
      stop: async () => {
        consumers.get(handle)?.()
        consumers.delete(handle)
        await handle.stop()
      },
    }
  }

  /**
   * Each partition's first and next offset now, per topic: a reader that rebuilds state from the beginning is
   * caught up once it has read up to these (order's in-memory catalogue, for `/ready`).
   */
  async function endOffsets(names: readonly Topic[]) {
    await start()
    const ends = new Map<Topic, { partition: number; low: string; high: string }[]>()
    for (const topic of names) {
      const offsets = (await admin?.fetchTopicOffsets(physical(topic))) ?? []
      ends.set(
        topic,
        offsets.map(({ partition, low, high }) => ({ partition, low, high })),
      )
    }
    return ends
  }

  /** Readiness: the cluster answers within a short time. */
  async function ping() {
    await start()
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Kafka did not answer in time')), PING_TIMEOUT_MS)
    })
    try {
      await Promise.race([admin?.describeCluster(), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Stops every consumer (committing their offsets), then the producer and the admin client. */
  async function disconnect() {
    await Promise.all(
      [...consumers].map(([consumer, unregister]) => {
        unregister()
        return consumer.stop()
      }),
    )
    consumers.clear()
    if (producer) {
      await producer.disconnect()
      log.info('Kafka producer stopped')
    }
    await admin?.disconnect()
    producer = undefined
    admin = undefined
    ready = undefined
  }

  return { start, publish, consume, ping, endOffsets, disconnect }
}
