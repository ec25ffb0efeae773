import type { Sql, TransactionSql } from 'postgres'
import type { OutboxMessage, OutboxStore } from './message.ts'

/**
 * The table this store expects (each service's migrations create it):
 *   CREATE TABLE outbox (seq bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, topic text NOT NULL,
 *     key text NOT NULL, payload jsonb NOT NULL, correlation_id text, created_at timestamptz NOT NULL,
 *     sent_at timestamptz);
 */
interface OutboxRow {
  seq: string
  id: string
  topic: OutboxMessage['topic']
  key: string
  payload: OutboxMessage['payload']
  correlation_id: string | null
  created_at: Date
}

/** Writes a message in the caller's transaction, so it commits or rolls back with the change it reports. */
export async function insertOutbox(tx: TransactionSql | Sql, message: OutboxMessage) {
  await tx`
    INSERT INTO outbox (id, topic, key, payload, correlation_id, created_at)
    VALUES (${message.id}, ${message.topic}, ${message.key}, ${tx.json(message.payload as never)},
            ${message.correlation_id}, ${message.created_at})`
}

/**
 * One relay at a time per database (a transaction-scoped advisory lock), sending in `seq` order: the
 * order in which the changes took their row locks, so per-aggregate order holds.
 */
export function createPostgresOutbox(sql: Sql): OutboxStore {
  return {
    async drain(limit, send) {
      let failure: unknown
      const sent = await sql.begin(async (tx) => {
        const [lock] = await tx<
          { locked: boolean }[]
        >`SELECT pg_try_advisory_xact_lock(hashtext('outbox-relay')) AS locked`
        if (!lock?.locked) return 0
        const rows = await tx<OutboxRow[]>`
          SELECT seq::text AS seq, id, topic, key, payload, correlation_id, created_at
          FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ${limit}`
        const done: string[] = []
        for (const row of rows) {
          try {
            await send({ ...row, created_at: row.created_at.toISOString() })
            done.push(row.seq)
          } catch (error) {
            failure = error
            break
          }
        }
        if (done.length > 0) await tx`UPDATE outbox SET sent_at = now() WHERE seq IN ${tx(done)}`
        return done.length
      })
      if (failure) throw failure
      return sent
    },
  }
}
