import type { KafkaClient } from '../kafka/client.ts'
import { InvalidEventError } from '../kafka/errors.ts'
import type { Logger } from '../log.ts'
import { watchRelay } from '../observability/relay-watch.ts'
import { resolveTelemetry, type Telemetry } from '../observability/telemetry.ts'
import { backoffMs, sleep } from '../runtime/sleep.ts'
import { type OutboxMessage, type OutboxStore, publishOutboxMessage } from './message.ts'

export const RELAY_BATCH_SIZE = 100
export const RELAY_IDLE_MIN_MS = 25
export const RELAY_IDLE_MAX_MS = 1_000
export const RELAY_ERROR_MAX_MS = 10_000
/** Failed attempts with an error a retry cannot cure after which a store parks the message. */
export const PARK_AFTER_ATTEMPTS = 3

/** Kafka's answers that no retry can change: the message itself is refused. */
const PERMANENT_KAFKA_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TOPIC_EXCEPTION',
])

/** The error and what it wraps (kafkajs puts the broker's answer in `cause` or `originalError`). */
function* causes(error: unknown, depth = 0): Generator<unknown> {
  if (error === undefined || error === null || depth > 5) return
  yield error
  const { cause, originalError } = error as { cause?: unknown; originalError?: unknown }
  yield* causes(cause ?? originalError, depth + 1)
}

/**
 * Whether a failed publish may succeed later: true for a broker that is down, slow or electing a leader
 * (retried forever), false for a message that will never be accepted (a payload that fails its schema, a
 * message over the broker's size limit), which a store parks after PARK_AFTER_ATTEMPTS.
 */
export function isRetriablePublishError(error: unknown): boolean {
  for (const e of causes(error)) {
    if (e instanceof InvalidEventError) return false
    if (PERMANENT_KAFKA_ERRORS.has(String((e as { type?: unknown }).type))) return false
  }
  return true
}

/** A publish error as one line for the outbox row that keeps it. */
export function publishErrorText(error: unknown): string {
  const text = [...causes(error)]
    .map((e) => {
      const type = (e as { type?: unknown }).type
      const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
      return typeof type === 'string' ? `${text} [${type}]` : text
    })
    .join(' <- ')
  return text.slice(0, 2_000)
}

export interface RelayOptions {
  store: OutboxStore
  publish: KafkaClient['publish']
  log: Logger
  batchSize?: number
  /** Called after each message is sent, e.g. for the seed's "Published … event" log line. */
  onSent?: (message: OutboxMessage) => void
  /** Publish metrics, the `relay` readiness check and `outbox_events`; by default the process's (runService). */
  telemetry?: Telemetry | null
  /** How long rounds may fail (or one round last) before the `relay` readiness check goes down; 60 s. */
  stuckAfterMs?: number
}

export interface OutboxRelay {
  /** Why the relay is stuck (failing or in one round for over a minute), or undefined while it works. */
  problem(): string | undefined
  /** Look again now instead of at the end of the idle wait (call after committing a write). */
  wake(): void
  /** Finishes the current batch, makes one last attempt to flush, and stops. */
  stop(): Promise<void>
}

/**
 * Polls the outbox and publishes what it finds. Idle polling backs off from 25 ms to 1 s; failures (the broker
 * is down) back off up to 10 s and are retried forever, so a committed event is published once Kafka is back.
 * A store handles a message that can never be published itself (isRetriablePublishError false): it counts the
 * attempt, parks the message after PARK_AFTER_ATTEMPTS and goes on with other aggregates; it throws only for
 * retriable failures, which land here.
 */
export function startOutboxRelay({
  store,
  publish,
  log,
  batchSize = RELAY_BATCH_SIZE,
  onSent,
  telemetry,
  stuckAfterMs,
}: RelayOptions): OutboxRelay {
  const watch = watchRelay({ telemetry: resolveTelemetry(telemetry), store, stuckAfterMs })
  const stopping = new AbortController()
  let wakeUp = new AbortController()

  const send = async (message: OutboxMessage) => {
    await publishOutboxMessage(publish, message)
    watch.published(message)
    onSent?.(message)
  }

  const waitFor = async (ms: number) => {
    await sleep(ms, AbortSignal.any([stopping.signal, wakeUp.signal]))
    if (wakeUp.signal.aborted) wakeUp = new AbortController()
  }

  const loop = async () => {
    let idle = RELAY_IDLE_MIN_MS
    let failures = 0
    while (!stopping.signal.aborted) {
      try {
        watch.roundStarted()
        const sent = await store.drain(batchSize, send)
        watch.roundSucceeded()
        failures = 0
        if (sent > 0) {
          idle = RELAY_IDLE_MIN_MS
          continue
        }
        await waitFor(idle)
        idle = Math.min(idle * 2, RELAY_IDLE_MAX_MS)
      } catch (error) {
        watch.roundFailed()
        failures++
        const delay = Math.max(RELAY_IDLE_MIN_MS, backoffMs(failures, 200, RELAY_ERROR_MAX_MS))
        log.warn('Outbox relay could not publish; will retry', {
          error,
          attempt: failures,
          retry_in_ms: delay,
        })
        await waitFor(delay)
      }
    }
  }

  const running = loop()
  log.info('Outbox relay started')

  return {
    wake: () => wakeUp.abort(),
    problem: watch.problem,
    async stop() {
      stopping.abort()
      await running
      watch.close()
      try {
        while ((await store.drain(batchSize, send)) > 0) {}
      } catch (error) {
        log.warn('Outbox not fully flushed at shutdown; the next start publishes the rest', { error })
      }
      log.info('Outbox relay stopped')
    },
  }
}
