import type { KafkaClient } from '../kafka/client.ts'
import type { Logger } from '../log.ts'
import { backoffMs, sleep } from '../runtime/sleep.ts'
import type { OutboxMessage, OutboxStore } from './message.ts'

export const RELAY_BATCH_SIZE = 100
export const RELAY_IDLE_MIN_MS = 25
export const RELAY_IDLE_MAX_MS = 1_000
export const RELAY_ERROR_MAX_MS = 10_000

export interface RelayOptions {
  store: OutboxStore
  publish: KafkaClient['publish']
  log: Logger
  batchSize?: number
  /** Called after each message is sent, e.g. for the seed's "Published … event" log line. */
  onSent?: (message: OutboxMessage) => void
}

export interface OutboxRelay {
  /** Look again now instead of at the end of the idle wait (call after committing a write). */
  wake(): void
  /** Finishes the current batch, makes one last attempt to flush, and stops. */
  stop(): Promise<void>
}

/**
 * Polls the outbox and publishes what it finds. Idle polling backs off from 25 ms to 1 s; failures (the broker
 * is down) back off up to 10 s and are retried forever, so a committed event is published once Kafka is back.
 */
export function startOutboxRelay({
  store,
  publish,
  log,
  batchSize = RELAY_BATCH_SIZE,
  onSent,
}: RelayOptions): OutboxRelay {
  const stopping = new AbortController()
  let wakeUp = new AbortController()

  const send = async (message: OutboxMessage) => {
    await publish(message.topic, message.payload, {
      key: message.key,
      id: message.id,
      time: message.created_at,
      correlationId: message.correlation_id ?? undefined,
    })
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
        const sent = await store.drain(batchSize, send)
        failures = 0
        if (sent > 0) {
          idle = RELAY_IDLE_MIN_MS
          continue
        }
        await waitFor(idle)
        idle = Math.min(idle * 2, RELAY_IDLE_MAX_MS)
      } catch (error) {
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
    async stop() {
      stopping.abort()
      await running
      try {
        while ((await store.drain(batchSize, send)) > 0) {}
      } catch (error) {
        log.warn('Outbox not fully flushed at shutdown; the next start publishes the rest', { error })
      }
      log.info('Outbox relay stopped')
    },
  }
}
