import { pruneSentOutbox } from '@shop/shared/outbox/postgres-store'
import type { Sql } from '@shop/shared/postgres/connect'
import type { PeriodicTask } from '@shop/shared/runtime/periodic'
import { pruneProcessedEvents } from './events/apply-once.ts'
import { pruneFinishedOrders } from './reservations/store.ts'

const HOUR_MS = 60 * 60 * 1000
export const PRUNE_EVERY_MS = 10 * 60 * 1000

export interface Retention {
  outboxHours: number
  processedEventsDays: number
}

/**
 * Deletes what only grows: sent outbox rows past their retention, and consumed event ids and finished orders'
 * bookkeeping once no redelivery can arrive any more. `now` is the clock (tests move it).
 */
export function pruningTasks(
  sql: Sql,
  retention: Retention,
  now: () => Date = () => new Date(),
): PeriodicTask[] {
  const ago = (ms: number) => new Date(now().getTime() - ms)
  const recognised = () => ago(retention.processedEventsDays * 24 * HOUR_MS)
  return [
    { name: 'prune sent outbox rows', run: () => pruneSentOutbox(sql, ago(retention.outboxHours * HOUR_MS)) },
    { name: 'prune processed event ids', run: () => pruneProcessedEvents(sql, recognised()) },
    { name: 'prune finished reservations', run: () => pruneFinishedOrders(sql, recognised()) },
  ]
}
