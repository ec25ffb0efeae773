import type { OutboxMessage, OutboxStore } from '../outbox/message.ts'
import type { Telemetry } from './telemetry.ts'

/** How long a relay may fail to publish pending events (or sit in one round) before `/ready` says so. */
export const RELAY_STUCK_AFTER_MS = 60_000

export interface RelayWatchOptions {
  telemetry: Telemetry | undefined
  store: OutboxStore
  /** Names this outbox's series in `outbox_events`; one relay per store in a process. */
  name?: string
  stuckAfterMs?: number
  now?: () => number
}

/**
 * What an outbox relay reports: each publication (count and delay since the event was written) into the
 * metrics, the store's pending and parked counts at scrape time, and whether it is stuck — a round has been
 * failing, or has been running, for longer than `stuckAfterMs` — as the `relay` readiness check.
 */
export function watchRelay({
  telemetry,
  store,
  name = 'outbox',
  stuckAfterMs = RELAY_STUCK_AFTER_MS,
  now = Date.now,
}: RelayWatchOptions) {
  const metrics = telemetry?.metrics
  let failingSince: number | undefined
  let roundSince: number | undefined

  const problem = () => {
    const at = now()
    if (failingSince !== undefined && at - failingSince > stuckAfterMs)
      return `the ${name} relay has not published pending events for ${Math.round((at - failingSince) / 1000)} s`
    if (roundSince !== undefined && at - roundSince > stuckAfterMs)
      return `the ${name} relay has been in one round for ${Math.round((at - roundSince) / 1000)} s`
    return undefined
  }
  const unregister = telemetry?.health.register('relay', { problem })
  const unwatch = store.stats && metrics?.watchOutbox(name, () => store.stats?.() ?? Promise.reject())

  return {
    problem,
    roundStarted() {
      roundSince = now()
    },
    roundSucceeded() {
      roundSince = undefined
      failingSince = undefined
    },
    roundFailed() {
      roundSince = undefined
      failingSince ??= now()
      metrics?.outboxFailures.inc()
    },
    published(message: OutboxMessage) {
      if (!metrics) return
      metrics.outboxPublished.inc({ topic: message.topic })
      const delay = Math.max(0, now() - Date.parse(message.created_at)) / 1000
      metrics.outboxDelay.observe({ topic: message.topic }, delay)
    },
    close() {
      unregister?.()
      unwatch?.()
    },
  }
}
