import { SpanKind } from '@opentelemetry/api'
import type { Consumer, Kafka, KafkaMessage, Message } from 'kafkajs'
import { DLQ_HEADERS } from '../events/envelope.ts'
import type { Topic } from '../events/topics.ts'
import type { Logger } from '../log.ts'
import type { ComponentHealth } from '../observability/health.ts'
import type { Telemetry } from '../observability/telemetry.ts'
import { extractContext, inSpan } from '../observability/trace-context.ts'
import { backoffMs, sleep } from '../runtime/sleep.ts'
import { decodeMessage, type EventFor } from './codec.ts'
import { isMessageTooLarge, PoisonMessageError } from './errors.ts'

export interface ConsumeOptions<T extends Topic> {
  groupId: string
  topics: readonly T[]
  handle: (event: EventFor<T>) => Promise<void>
  /** How many partitions are handled at once; per-partition (per-key) order holds either way. */
  concurrency?: number
  /**
   * How many keys of one partition's batch are handled at once (default 1: the partition in order). Above
   * one, messages of one key still go one after another, so per-key order holds; a handler that needs
   * more than that (one whose effect depends on the order of different keys) must keep the default.
   */
  keysAtOnce?: number
  /** How long one message may be retried in place before `/ready` reports the consumer stuck (default 60 s). */
  stuckAfterMs?: number
}

export interface ConsumerHandle extends ComponentHealth {
  /** Whether this process consumes that partition of that topic now (as of the group's last join). */
  owns(topic: Topic, partition: number): boolean
  stop(): Promise<void>
}

interface ConsumerContext {
  log: Logger
  physical: (topic: string) => string
  logical: (name: string) => Topic
  park: (topic: Topic, message: Message) => Promise<void>
  telemetry?: Telemetry
}

const JOIN_TIMEOUT_MS = 30_000
/** How much of a poison message too large to park whole is kept on the DLQ. */
const TRUNCATED_PARK_BYTES = 64 * 1024
export const CONSUMER_STUCK_AFTER_MS = 60_000
const SUBSCRIBE_ATTEMPTS = 8

/**
 * Subscribes from the beginning, retrying a while: a broker with many topics can answer "unknown topic or
 * partition" for a moment after they were created. Disconnects the consumer if it gives up.
 */
export async function subscribeWhenReady(
  consumer: Consumer,
  topics: string[],
  onRetry: (attempt: number, error: unknown) => void = () => undefined,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await consumer.subscribe({ topics, fromBeginning: true })
    } catch (error) {
      if (attempt >= SUBSCRIBE_ATTEMPTS || (error as { retriable?: boolean }).retriable !== true) {
        await consumer.disconnect().catch(() => undefined)
        throw error
      }
      onRetry(attempt, error)
      await sleep(backoffMs(attempt, 200, 2_000))
    }
  }
}

/**
 * Runs a consumer group. A message that cannot be decoded or fails its schema (or whose handler throws
 * PoisonMessageError) is parked on `<topic>.dlq` with the reason in its headers and the group moves on.
 * Any other error is treated as transient: the same message is retried in place with backoff and its
 * offset is not committed until it succeeds, so nothing is skipped.
 */
export async function startConsumer<T extends Topic>(
  kafka: Kafka,
  {
    groupId,
    topics,
    handle,
    concurrency = 3,
    keysAtOnce = 1,
    stuckAfterMs = CONSUMER_STUCK_AFTER_MS,
  }: ConsumeOptions<T>,
  { log, physical, logical, park, telemetry }: ConsumerContext,
): Promise<ConsumerHandle> {
  const consumer = kafka.consumer({
    groupId,
    // A member that died hands its partitions on after this, not kafkajs's 30 s. Not lower: kafkajs
    // heartbeats only between messages, so a store slow under load (seconds per write) must not cost the
    // member its place (at 6 s, the bench's load set off rebalance after rebalance).
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  })
  const stopping = new AbortController()
  const metrics = telemetry?.metrics
  /**
   * Why the consumer no longer consumes, for `/ready`'s `consumers` check: kafkajs gave up on it (a crash it
   * does not restart from). A crash it restarts from (the broker went away) is not one.
   */
  let dead: string | undefined
  /** The messages being retried in place, each with when its first attempt failed. */
  const retrying = new Map<string, number>()
  const problem = () => {
    if (dead) return dead
    const now = Date.now()
    for (const [where, since] of retrying) {
      if (now - since > stuckAfterMs)
        return `consumer group ${groupId} has been retrying ${where} for ${Math.round((now - since) / 1000)} s`
    }
    return undefined
  }

  const parkMessage = async (topic: Topic, partition: number, message: KafkaMessage, reason: string) => {
    metrics?.consumed.inc({ topic, outcome: 'dead_lettered' })
    log.error('Parked poison message on dead-letter topic', {
      topic,
      partition,
      offset: message.offset,
      reason,
    })
    const headers = {
      ...message.headers,
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.topic]: topic,
      [DLQ_HEADERS.partition]: String(partition),
      [DLQ_HEADERS.offset]: message.offset,
      [DLQ_HEADERS.groupId]: groupId,
    }
    try {
      await park(topic, { key: message.key, value: message.value, headers })
    } catch (error) {
      if (!isMessageTooLarge(error)) throw error
      // The copy with its dlq_* headers is over the broker's limit: park its start, so the group goes on.
      log.warn('Poison message too large to park whole; parked its first bytes', {
        topic,
        offset: message.offset,
      })
      const value = message.value?.subarray(0, TRUNCATED_PARK_BYTES) ?? null
      await park(topic, { key: message.key, value, headers: { ...headers, [DLQ_HEADERS.truncated]: 'true' } })
    }
  }

  /** `<physical topic>:<partition>` of this member's assignment; empty while the group rebalances. */
  let assignment = new Set<string>()
  consumer.on(consumer.events.REBALANCING, () => {
    assignment = new Set()
  })
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      assignment = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((partition) => `${topic}:${partition}`),
        ),
      )
      resolve()
    })
  })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log.error('Kafka consumer crashed', { group_id: groupId, error: payload.error, restart: payload.restart })
    if (!payload.restart) dead = `consumer group ${groupId} crashed: ${payload.error.message}`
  })
  if (metrics) {
    const recordLag = ({ payload }: { payload: { topic: string; partition: number; offsetLag: string } }) =>
      metrics.lag.set(
        { group: groupId, topic: logical(payload.topic), partition: String(payload.partition) },
        Number(payload.offsetLag),
      )
    consumer.on(consumer.events.END_BATCH_PROCESS, recordLag)
  }

  /** Handles one decoded message until it succeeds or is parked; retries in place meanwhile. */
  const handleDecoded = async (
    topic: T,
    partition: number,
    message: KafkaMessage,
    event: EventFor<T>,
    heartbeat: () => Promise<void>,
  ) => {
    const where = `${topic}/${partition}@${message.offset}`
    try {
      await retryInPlace(topic, partition, message, event, heartbeat, where)
    } finally {
      retrying.delete(where)
    }
  }

  const retryInPlace = async (
    topic: T,
    partition: number,
    message: KafkaMessage,
    event: EventFor<T>,
    heartbeat: () => Promise<void>,
    where: string,
  ) => {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now()
      try {
        await handle(event)
        metrics?.handling.observe({ topic }, (performance.now() - started) / 1000)
        metrics?.consumed.inc({ topic, outcome: 'ok' })
        metrics?.eventDelay.observe({ topic }, Math.max(0, Date.now() - Date.parse(event.time)) / 1000)
        return
      } catch (error) {
        if (error instanceof PoisonMessageError) {
          return parkMessage(topic, partition, message, error.message)
        }
        metrics?.consumed.inc({ topic, outcome: 'retried' })
        if (!retrying.has(where)) retrying.set(where, Date.now())
        // A plain Error makes kafkajs leave the offset uncommitted; the next owner will see the message again.
        if (stopping.signal.aborted) throw new Error(`consumer ${groupId} stopping during a retry`)
        const delay = backoffMs(attempt)
        log.warn('Message handler failed; retrying', {
          topic,
          partition,
          offset: message.offset,
          event_id: event.id,
          attempt,
          retry_in_ms: delay,
          error,
        })
        await sleep(delay, stopping.signal)
        await heartbeat().catch(() => undefined)
      }
    }
  }

  const handleMessage = async (
    physicalTopic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ) => {
    const topic = logical(physicalTopic) as T
    const decoded = decodeMessage(topic, partition, message)
    if (!decoded.ok) return parkMessage(topic, partition, message, decoded.reason)

    const work = () => handleDecoded(topic, partition, message, decoded.event as EventFor<T>, heartbeat)
    const tracer = telemetry?.tracer
    if (!tracer) return work()
    // A consumer span per message, parented on the producer's `traceparent`: what the handler writes (an
    // outbox event) captures it, so the events this one causes carry the same trace on.
    return inSpan(
      tracer,
      `${topic} process`,
      {
        kind: SpanKind.CONSUMER,
        parent: extractContext(message.headers),
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': topic,
          'messaging.consumer.group.name': groupId,
          'messaging.message.id': decoded.event.id,
          'messaging.kafka.offset': Number(message.offset),
          'messaging.destination.partition.id': String(partition),
        },
      },
      work,
    )
  }

  await consumer.connect()
  await subscribeWhenReady(consumer, topics.map(physical), (attempt, error) =>
    log.warn('Kafka consumer could not subscribe yet; retrying', { group_id: groupId, attempt, error }),
  )
  if (keysAtOnce <= 1) {
    await consumer.run({
      partitionsConsumedConcurrently: concurrency,
      eachMessage: ({ topic, partition, message, heartbeat }) =>
        handleMessage(topic, partition, message, heartbeat),
    })
  } else {
    await consumer.run({
      partitionsConsumedConcurrently: concurrency,
      eachBatchAutoResolve: false,
      // The batch's keys side by side, each key's messages in order. An offset is resolved once it and every
      // offset before it in the batch are handled, so what a rebalance or a crash mid-batch leaves
      // unresolved is seen again (handlers are idempotent) and nothing is skipped. A heartbeat after each
      // message keeps the member in its group through a long batch.
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const byKey = new Map<string, KafkaMessage[]>()
        for (const message of batch.messages) {
          const key = message.key?.toString('latin1') ?? ''
          const chain = byKey.get(key) ?? []
          chain.push(message)
          byKey.set(key, chain)
        }
        const handled = new Set<string>()
        let next = 0
        const resolveHandledPrefix = () => {
          while (next < batch.messages.length && handled.has(batch.messages[next]?.offset as string)) next++
          if (next > 0) resolveOffset(batch.messages[next - 1]?.offset as string)
        }
        const chains = [...byKey.values()]
        // The first failure (a rebalance seen by the heartbeat, a handler stopping) ends every worker.
        let failure: { error: unknown } | undefined
        const worker = async () => {
          try {
            for (let chain = chains.shift(); chain; chain = chains.shift()) {
              for (const message of chain) {
                if (failure || !isRunning() || isStale()) return
                await handleMessage(batch.topic, batch.partition, message, heartbeat)
                handled.add(message.offset)
                resolveHandledPrefix()
                await heartbeat()
              }
            }
          } catch (error) {
            failure ??= { error }
          }
        }
        await Promise.all(Array.from({ length: Math.min(keysAtOnce, chains.length) }, worker))
        if (failure) throw failure.error
      },
    })
  }

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
    problem,
    owns: (topic, partition) => assignment.has(`${physical(topic)}:${partition}`),
    async stop() {
      stopping.abort()
      await consumer.disconnect()
      log.info('Kafka consumer stopped', { group_id: groupId })
    },
  }
}
