import type { Logger } from '../log.ts'
import { applyOutboxSchema } from '../outbox/postgres-store.ts'
import { migrate } from './migrate.ts'
import { connectResilientPostgres } from './resilient-pool.ts'

/**
 * A PostgreSQL-backed service's database at start-up: the resilient pool (its closing registered with
 * `onStop`), the service's own migrations, then the shared outbox table.
 */
export async function openServiceDatabase({
  url,
  migrations,
  log,
  onStop,
}: {
  url: string
  /** The service's `migrations/` folder. */
  migrations: string
  log: Logger
  onStop: (name: string, stop: () => Promise<unknown>) => void
}) {
  const sql = connectResilientPostgres(url)
  onStop('postgres', () => sql.end({ timeout: 5 }))
  const applied = await migrate(sql, migrations)
  await applyOutboxSchema(sql)
  log.info('Database migrated', { applied })
  return sql
}
