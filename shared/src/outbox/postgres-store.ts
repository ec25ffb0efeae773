import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Sql, TransactionSql } from 'postgres'
import type { Logger } from '../log.ts'
import type { OutboxMessage, OutboxStore } from './message.ts'
import { isRetriablePublishError, PARK_AFTER_ATTEMPTS, publishErrorText } from './relay.ts'

/** The table's DDL, once for every service (outbox.sql beside this file). */
export const OUTBOX_DDL = readFileSync(join(import.meta.dir, 'outbox.sql'), 'utf8')

/** Keys (aggregates) published side by side within one batch; each key's own rows go out one by one. */
const KEYS_AT_ONCE = 16
/** Old sent rows are deleted in chunks, so pruning never holds a long lock. */
const PRUNE_CHUNK = 10_000

/**
 * Creates the outbox table or brings an older one up to date; call after the service's own migrations. Every
 * statement is idempotent and runs under an advisory lock, so two processes starting at once are harmless.
 */
export async function applyOutboxSchema(sql: Sql) {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('outbox-schema'))`
    await tx.unsafe(OUTBOX_DDL)
  })
}

interface OutboxRow {
  seq: string
  id: string
  topic: OutboxMessage['topic']
  key: string
  payload: OutboxMessage['payload']
  correlation_id: string | null
  traceparent: string | null
  created_at: Date
  attempts: number
  parked: boolean
}

/** Writes a message in the caller's transaction, so it commits or rolls back with the change it reports. */
export async function insertOutbox(tx: TransactionSql | Sql, message: OutboxMessage) {
  await tx`
    INSERT INTO outbox (id, topic, key, payload, correlation_id, traceparent, created_at)
    VALUES (${message.id}, ${message.topic}, ${message.key}, ${tx.json(message.payload as never)},
            ${message.correlation_id}, ${message.traceparent ?? null}, ${message.created_at})`
}

const toMessage = (row: OutboxRow): OutboxMessage => ({
  id: row.id,
  topic: row.topic,
  key: row.key,
  payload: row.payload,
  correlation_id: row.correlation_id,
  traceparent: row.traceparent,
  created_at: row.created_at.toISOString(),
})

// `ORDER BY o.seq`, never `ORDER BY seq`: that would sort by the text alias, putting 101 before 25.

/** Groups rows (already in seq order) by key, keeping each key's rows in order. */
function byKey(rows: OutboxRow[]) {
  const groups = new Map<string, OutboxRow[]>()
  for (const row of rows) groups.set(row.key, [...(groups.get(row.key) ?? []), row])
  return [...groups.values()]
}

/**
 * The relay's store. Each drain is one transaction that takes a transaction-scoped advisory lock per key
 * (aggregate) it will publish, skipping keys another relay holds, and reads their rows only once it holds
 * the locks, so it sees everything the previous holder marked sent: two relays in two processes never send
 * one row twice or overtake each other within a key. Rows go out in `seq` order per key (the order in which
 * the changes took their row locks). A row that fails with an error no retry can cure counts an attempt and
 * is parked after PARK_AFTER_ATTEMPTS (logged at error level); it and the later rows of its key then wait,
 * while other keys go on. A retriable failure (the broker is down) ends the batch and is thrown to the relay,
 * which retries forever.
 */
export function createPostgresOutbox(sql: Sql, { log }: { log?: Logger } = {}): OutboxStore {
  return {
    /** For `outbox_events` on `/metrics`: unsent rows, waiting or parked. */
    async stats() {
      const [row] = await sql<{ pending: number; parked: number }[]>`
        SELECT count(*) FILTER (WHERE parked_at IS NULL)::int AS pending,
               count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked
        FROM outbox WHERE sent_at IS NULL`
      return row ?? { pending: 0, parked: 0 }
    },
    async drain(limit, send) {
      let failure: unknown
      const sent = await sql.begin(async (tx) => {
        const candidates = await tx<{ key: string }[]>`
          SELECT key FROM (
            SELECT key, seq FROM outbox o
            WHERE sent_at IS NULL AND parked_at IS NULL
              AND NOT EXISTS (
                SELECT 1 FROM outbox p WHERE p.key = o.key AND p.sent_at IS NULL AND p.parked_at IS NOT NULL)
            ORDER BY seq LIMIT ${limit}
          ) head
          GROUP BY key ORDER BY min(seq)`
        if (candidates.length === 0) return 0
        const locked = await tx<{ key: string }[]>`
          SELECT key FROM jsonb_array_elements_text(${tx.json(candidates.map((c) => c.key))})
            WITH ORDINALITY AS k (key, n)
          WHERE pg_try_advisory_xact_lock(hashtext('outbox-relay'), hashtext(key))
          ORDER BY n`
        if (locked.length === 0) return 0
        const rows = await tx<OutboxRow[]>`
          SELECT o.seq::text AS seq, id, topic, key, payload, correlation_id, traceparent, created_at,
                 attempts, parked_at IS NOT NULL AS parked
          FROM outbox o WHERE sent_at IS NULL AND key IN ${tx(locked.map((l) => l.key))}
          ORDER BY o.seq LIMIT ${limit}`

        const done: string[] = []
        const refused: { row: OutboxRow; error: unknown }[] = []
        const drainKey = async (keyRows: OutboxRow[]) => {
          for (const row of keyRows) {
            if (row.parked || failure) return
            try {
              await send(toMessage(row))
              done.push(row.seq)
            } catch (error) {
              if (isRetriablePublishError(error)) failure ??= error
              else refused.push({ row, error })
              return
            }
          }
        }
        const groups = byKey(rows)
        for (let i = 0; i < groups.length && !failure; i += KEYS_AT_ONCE) {
          await Promise.all(groups.slice(i, i + KEYS_AT_ONCE).map(drainKey))
        }

        if (done.length > 0) await tx`UPDATE outbox SET sent_at = now() WHERE seq IN ${tx(done)}`
        for (const { row, error } of refused) await countRefusal(tx, row, error, log)
        return done.length
      })
      if (failure) throw failure
      return sent
    },
  }
}

async function countRefusal(tx: TransactionSql, row: OutboxRow, error: unknown, log?: Logger) {
  const attempts = row.attempts + 1
  const park = attempts >= PARK_AFTER_ATTEMPTS
  const text = publishErrorText(error)
  await tx`
    UPDATE outbox SET attempts = ${attempts}, error = ${text}, parked_at = CASE WHEN ${park} THEN now() END
    WHERE seq = ${row.seq}`
  const fields = { event_id: row.id, topic: row.topic, key: row.key, attempts, error: text }
  if (park)
    log?.error('Parked an outbox event that can never be published; later events of its key wait', fields)
  else log?.warn('Outbox event refused by the broker or its schema; will try again', fields)
}

/** A parked outbox row as the DLQ tool lists it. */
export interface ParkedOutboxRow {
  id: string
  topic: string
  key: string
  payload: unknown
  correlation_id: string | null
  created_at: Date
  attempts: number
  error: string | null
  parked_at: Date
  /** Later unsent rows of the same key, held back behind this one. */
  waiting: number
}

/** Parked rows, oldest first, optionally of one topic. */
export function listParked(sql: Sql, { topic, limit = 100 }: { topic?: string; limit?: number } = {}) {
  return sql<ParkedOutboxRow[]>`
    SELECT id, topic, key, payload, correlation_id, created_at, attempts, error, parked_at,
           (SELECT count(*)::int FROM outbox w WHERE w.key = p.key AND w.sent_at IS NULL AND w.seq > p.seq)
             AS waiting
    FROM outbox p
    WHERE parked_at IS NOT NULL AND sent_at IS NULL ${topic ? sql`AND topic = ${topic}` : sql``}
    ORDER BY seq LIMIT ${limit}`
}

/**
 * Unparks rows (all, or those with these ids) so the relay tries them again with a fresh attempt count, for
 * example after the broker's size limit was raised. Returns how many were unparked.
 */
export async function retryParked(sql: Sql, { ids }: { ids?: string[] } = {}) {
  const rows = await sql`
    UPDATE outbox SET parked_at = NULL, attempts = 0
    WHERE parked_at IS NOT NULL AND sent_at IS NULL ${ids ? sql`AND id IN ${sql(ids)}` : sql``}
    RETURNING id`
  return rows.length
}

/** Deletes rows sent before `before`; returns how many. Unsent and parked rows are kept whatever their age. */
export async function pruneSentOutbox(sql: Sql, before: Date) {
  let total = 0
  for (;;) {
    const deleted = await sql`
      DELETE FROM outbox WHERE seq IN (
        SELECT seq FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ${before} LIMIT ${PRUNE_CHUNK})
      RETURNING seq`
    total += deleted.length
    if (deleted.length < PRUNE_CHUNK) return total
  }
}
