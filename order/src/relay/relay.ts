import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import { watchRelay } from '@shop/shared/observability/relay-watch'
import { resolveTelemetry } from '@shop/shared/observability/telemetry'
import { type OutboxMessage, publishOutboxMessage } from '@shop/shared/outbox/message'
import { backoffMs, sleep } from '@shop/shared/runtime/sleep'
import type { Collection } from 'mongodb'
import type { OrderEvent, OutboxEntry } from '../orders/event-log.ts'
import { createRelayLease, type RelayLease } from './lease.ts'
import { createOrderOutbox } from './outbox.ts'

export const RELAY_BATCH_SIZE = 200
export const RELAY_IDLE_MIN_MS = 10
/** Low, since a placed order waits for its order.placed; each idle poll is one find. */
export const RELAY_IDLE_MAX_MS = 200
export const RELAY_ERROR_MAX_MS = 10_000
/** The holder starts no batch this close to its window's end, so its last one is done when the next begins. */
const WINDOW_MARGIN_MS = 100
/**
 * The holder takes the next window shortly before its own ends (lease.renewAheadMs); the others ask this
 * long after it ended, so the lease stays where it is while its holder lives and changes hands only when
 * the holder died or stalled. Two relays overlapping would only send duplicates (each sends an order's
 * events in seq order, waiting for each), never lose one.
 */
const HANDOVER_MS = 250
const RENEW_CHECK_MS = 50
/** How often the log's published marks are written (one command for all since the last time). */
const MARK_EVERY_MS = 1_000
/** How often the holder sweeps the log for events missing from the outbox (each sweep reads the whole log). */
const SWEEP_EVERY_MS = 60_000

export interface OrderRelayOptions {
  events: Collection<OrderEvent>
  outbox: Collection<OutboxEntry>
  leases: Collection<RelayLease>
  publish: KafkaClient['publish']
  log: Logger
  leaseMs?: number
  batchSize?: number
  onSent?: (message: OutboxMessage) => void
}

/**
 * Publishes the order event log, one relay at a time across processes: each window of `leaseMs` belongs to
 * whichever process first inserted its lease record; the others sleep until the next window (asking a
 * little after the holder, which so keeps it). A holder that dies leaves its events to the next window's
 * winner. Within its window the holder polls with idle backoff
 * (woken at once by `wakeRelay` after a local write) and backs off on Kafka failures, retrying forever.
 */
export function startOrderRelay({
  events,
  outbox: entries,
  leases,
  publish,
  log,
  leaseMs,
  batchSize = RELAY_BATCH_SIZE,
  onSent,
}: OrderRelayOptions) {
  const owner = crypto.randomUUID()
  const lease = createRelayLease(leases, { owner, leaseMs })
  const outbox = createOrderOutbox({ events, outbox: entries }, { log, batchSize })
  // Metrics, and the `relay` readiness check: down when rounds have failed (Kafka unreachable) for a minute.
  const watch = watchRelay({
    telemetry: resolveTelemetry(),
    name: 'order_events',
    store: { drain: async () => 0, stats: outbox.stats },
  })
  const stopping = new AbortController()
  let wakeUp = new AbortController()
  let held: number | undefined
  /** The window after `held`, once taken ahead of time; `renewing` is the one last asked for. */
  let next: number | undefined
  let renewing: number | undefined
  let lastPublishedAt = Date.now()
  let markedAt = 0
  /** When the holder last swept the log; reset when it takes the lease from nobody or from another. */
  let sweptAt = 0

  const send = async (message: OutboxMessage) => {
    await publishOutboxMessage(publish, message)
    lastPublishedAt = Date.now()
    watch.published(message)
    onSent?.(message)
  }

  const pause = async (ms: number, wakeable: boolean) => {
    const signals = wakeable ? [stopping.signal, wakeUp.signal] : [stopping.signal]
    await sleep(Math.max(0, ms), AbortSignal.any(signals))
    if (wakeUp.signal.aborted) wakeUp = new AbortController()
  }

  /** True when this process relays now; otherwise waits (for its window's end, or for the next window). */
  /** A window taken ahead of time becomes the held one once it begins. */
  const promote = (window: number) => {
    if (next !== window) return
    held = window
    next = undefined
  }

  const holdWindow = async () => {
    const now = Date.now()
    const window = lease.windowAt(now)
    promote(window)
    if (held === window) {
      const end = lease.endOf(window)
      if (next !== undefined || now < end - WINDOW_MARGIN_MS) return true
      await pause(end - now, false)
      return false
    }
    if (await lease.acquire(window)) {
      const continued = held === window - 1
      if (held === undefined) log.info('Order relay holds the lease', { window })
      held = window
      if (!continued) {
        // Taken over: let a batch the last holder may still be sending finish, or we would resend it.
        await pause(lease.renewAheadMs, false)
        sweptAt = 0
      }
      return true
    }
    if (held !== undefined) {
      log.info('Order relay lease went to another process', { window })
      await outbox.storeHandedOver()
    }
    held = undefined
    await pause(lease.endOf(window) - Date.now() + HANDOVER_MS + Math.random() * 20, false)
    return false
  }

  /**
   * Takes the next window shortly before the held one ends, beside the relay loop, so a long batch (FerretDB
   * marks published events one by one) never costs the lease; only a dead or stalled process loses it.
   */
  const renew = async () => {
    while (!stopping.signal.aborted) {
      const now = Date.now()
      const window = lease.windowAt(now)
      promote(window)
      if (held === window && next === undefined && renewing !== window + 1) {
        const at = lease.endOf(window) - lease.renewAheadMs
        if (now >= at) {
          renewing = window + 1
          if (await lease.acquire(window + 1).catch(() => false)) next = window + 1
          continue
        }
      }
      await sleep(RENEW_CHECK_MS, stopping.signal)
    }
  }

  const loop = async () => {
    let idle = RELAY_IDLE_MIN_MS
    let failures = 0
    while (!stopping.signal.aborted) {
      try {
        if (!(await holdWindow())) continue
        watch.roundStarted()
        if (Date.now() - sweptAt >= SWEEP_EVERY_MS) {
          await outbox.sweep()
          sweptAt = Date.now()
        }
        const sent = await outbox.relayBatch(send)
        if (Date.now() - markedAt >= MARK_EVERY_MS) {
          markedAt = Date.now()
          await outbox.markPublished()
        }
        watch.roundSucceeded()
        failures = 0
        if (sent > 0) {
          idle = RELAY_IDLE_MIN_MS
          continue
        }
        await pause(idle, true)
        idle = Math.min(idle * 2, RELAY_IDLE_MAX_MS)
      } catch (error) {
        watch.roundFailed()
        failures++
        const delay = Math.max(RELAY_IDLE_MIN_MS, backoffMs(failures, 200, RELAY_ERROR_MAX_MS))
        log.warn('Order relay could not publish; will retry', {
          error,
          attempt: failures,
          retry_in_ms: delay,
        })
        await pause(delay, false)
      }
    }
  }

  const running = Promise.all([loop(), renew()])
  log.info('Order relay started', { owner })

  return {
    /** Look now rather than at the end of the idle wait (after a write in this process). */
    wakeRelay: () => wakeUp.abort(),
    /**
     * Takes an event just appended here straight into the next batch when this process holds the lease
     * (well before its window ends); false otherwise, and the writer stores it in the outbox.
     */
    handToRelay(entry: OutboxEntry) {
      const now = Date.now()
      const window = lease.windowAt(now)
      const holding = held === window || next === window
      if (!holding || (next !== window + 1 && now >= lease.endOf(window) - WINDOW_MARGIN_MS)) return false
      outbox.handOver(entry)
      wakeUp.abort()
      return true
    },
    /** Whether this process holds the current window, and when it last published (for readiness). */
    status: () => ({ holding: [held, next].includes(lease.windowAt(Date.now())), lastPublishedAt }),
    /** Finishes the current batch and, while still holding the lease, flushes what is left. */
    async stop() {
      stopping.abort()
      await running
      try {
        if ([held, next].includes(lease.windowAt(Date.now()))) while ((await outbox.relayBatch(send)) > 0) {}
        await outbox.markPublished()
        await outbox.storeHandedOver()
      } catch (error) {
        log.warn('Order outbox not fully flushed at shutdown; the next relay publishes the rest', { error })
      }
      watch.close()
      log.info('Order relay stopped')
    },
    /** Deletes lease records older than an hour (periodic task). */
    pruneLeases: () => lease.prune(lease.windowAt(Date.now() - 3_600_000)),
  }
}

export type OrderRelay = ReturnType<typeof startOrderRelay>
