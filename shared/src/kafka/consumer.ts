import type { Kafka, KafkaMessage, Message } from 'kafkajs'
import { DLQ_HEADERS } from '../events/envelope.ts'
import type { Topic } from '../events/topics.ts'
import type { Logger } from '../log.ts'
import { backoffMs, sleep } from '../runtime/sleep.ts'
import { decodeMessage, type EventFor } from './codec.ts'
import { PoisonMessageError } from './errors.ts'

export interface ConsumeOptions<T extends Topic> {
  groupId: string
  topics: readonly T[]
  handle: (event: EventFor<T>) => Promise<void>
  /** How many partitions are handled at once; per-partition (per-key) order holds either way. */
  concurrency?: number
}

export interface ConsumerHandle {
  stop(): Promise<void>
}

interface ConsumerContext {
  log: Logger
  physical: (topic: string) => string
  logical: (name: string) => Topic
  park: (topic: Topic, message: Message) => Promise<void>
}

const JOIN_TIMEOUT_MS = 30_000

/**
 * Runs a consumer group. A message that cannot be decoded or fails its schema (or whose handler throws
 * PoisonMessageError) is parked on `<topic>.dlq` with the reason in its headers and the group moves on.
 * Any other error is treated as transient: the same message is retried in place with backoff and its
 * offset is not committed until it succeeds, so nothing is skipped.
 */
export async function startConsumer<T extends Topic>(
  kafka: Kafka,
  { groupId, topics, handle, concurrency = 3 }: ConsumeOptions<T>,
  { log, physical, logical, park }: ConsumerContext,
): Promise<ConsumerHandle> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  })
  const stopping = new AbortController()

  const parkMessage = async (topic: Topic, partition: number, message: KafkaMessage, reason: string) => {
    log.error('Parked poison message on dead-letter topic', {
      topic,
      partition,
      offset: message.offset,
      reason,
    })
    await park(topic, {
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        [DLQ_HEADERS.reason]: reason,
        [DLQ_HEADERS.topic]: topic,
        [DLQ_HEADERS.partition]: String(partition),
        [DLQ_HEADERS.offset]: message.offset,
        [DLQ_HEADERS.groupId]: groupId,
      },
    })
  }

  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve())
  })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log.error('Kafka consumer crashed', { group_id: groupId, error: payload.error, restart: payload.restart })
  })

  await consumer.connect()
  await consumer.subscribe({ topics: topics.map(physical), fromBeginning: true })
  await consumer.run({
    partitionsConsumedConcurrently: concurrency,
    eachMessage: async ({ topic: physicalTopic, partition, message, heartbeat }) => {
      const topic = logical(physicalTopic) as T
      const decoded = decodeMessage(topic, partition, message)
      if (!decoded.ok) return parkMessage(topic, partition, message, decoded.reason)

      for (let attempt = 1; ; attempt++) {
        try {
          await handle(decoded.event as EventFor<T>)
          return
        } catch (error) {
          if (error instanceof PoisonMessageError) {
            return parkMessage(topic, partition, message, error.message)
          }
          // A plain Error makes kafkajs leave the offset uncommitted; the next owner will see the message again.
          if (stopping.signal.aborted) throw new Error(`consumer ${groupId} stopping during a retry`)
          const delay = backoffMs(attempt)
          log.warn('Message handler failed; retrying', {
            topic,
            partition,
            offset: message.offset,
            event_id: decoded.event.id,
            attempt,
            retry_in_ms: delay,
            error,
          })
          await sleep(delay, stopping.signal)
          await heartbeat().catch(() => undefined)
        }
      }
    },
  })

  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log.warn('Kafka consumer has not joined its group yet', { group_id: groupId })
      resolve()
    }, JOIN_TIMEOUT_MS)
  })
  await Promise.race([joined, timeout])
  clearTimeout(timer)
  log.info('Kafka consumer started', { group_id: groupId, topics })

  return {
    async stop() {
      stopping.abort()
      await consumer.disconnect()
      log.info('Kafka consumer stopped', { group_id: groupId })
    },
  }
}
