import type { EventFor } from '@shop/shared/kafka/codec'
import { InvalidEventError, PoisonMessageError } from '@shop/shared/kafka/errors'
import type { Logger } from '@shop/shared/log'
import type { Sql, TransactionSql } from '@shop/shared/postgres/connect'
import postgres from 'postgres'
import { handlers, type InventoryTopic } from './index.ts'

export type InventoryEvent = EventFor<InventoryTopic>

// SQLSTATE classes a retry cannot cure: data exceptions (22) and integrity constraint violations (23).
const PERMANENT_SQLSTATE_CLASSES = new Set(['22', '23'])

const apply = (tx: TransactionSql, event: InventoryEvent) =>
  (handlers[event.topic] as (tx: TransactionSql, payload: unknown, c: object) => Promise<unknown>)(
    tx,
    event.payload,
    { correlationId: event.correlationId },
  )

/**
 * A fault that will never go away is poison (parked on the DLQ, so the partition moves on). Anything else
 * (the database is down, a deadlock, a lost connection) is rethrown as a plain Error: the shared consumer
 * retries it in place without committing, while kafkajs would stop for good on a TypeError and its kin.
 */
function classify(error: unknown, event: InventoryEvent): Error {
  const message = error instanceof Error ? error.message : String(error)
  const permanent =
    error instanceof InvalidEventError ||
    (error instanceof postgres.PostgresError && PERMANENT_SQLSTATE_CLASSES.has(error.code.slice(0, 2)))
  if (permanent) return new PoisonMessageError(`${event.topic} ${event.id} cannot be applied: ${message}`)
  return new Error(`${event.topic} ${event.id} not applied yet: ${message}`, { cause: error })
}

/**
 * Applies one consumed event exactly once: its id is recorded in processed_events in the same transaction
 * as its effect and the outbox rows of the events it causes, so a redelivery finds the id and does nothing.
 * Two processes in one consumer group stay correct too: each event's transaction takes the row locks it needs.
 */
export function createEventHandler({
  sql,
  log,
  wakeRelay,
}: {
  sql: Sql
  log: Logger
  wakeRelay: () => void
}) {
  return async (event: InventoryEvent) => {
    let applied: boolean
    try {
      applied = await sql.begin(async (tx) => {
        const [first] = await tx`
          INSERT INTO processed_events (id, topic) VALUES (${event.id}, ${event.topic})
          ON CONFLICT (id) DO NOTHING
          RETURNING id`
        if (!first) return false
        await apply(tx, event)
        return true
      })
    } catch (error) {
      throw classify(error, event)
    }
    const fields = {
      topic: event.topic,
      event_id: event.id,
      key: event.key,
      partition: event.partition,
      offset: event.offset,
      correlation_id: event.correlationId ?? null,
    }
    if (!applied) {
      log.info(`Skipped duplicate message from ${event.topic}: ${event.id}`, fields)
      return
    }
    log.info(`Received message from ${event.topic}: ${event.id}`, fields)
    wakeRelay()
  }
}

/** Forgets processed ids older than `before` (past any redelivery: longer than the topics' retention). */
export async function pruneProcessedEvents(sql: Sql, before: Date) {
  const rows = await sql`DELETE FROM processed_events WHERE processed_at < ${before} RETURNING id`
  return rows.length
}
