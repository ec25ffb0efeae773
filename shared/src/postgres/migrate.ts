import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Sql } from 'postgres'

export class MigrationError extends Error {
  override name = 'MigrationError'
}

const FILE = /^(\d+)_[\w-]+\.sql$/

interface Migration {
  version: number
  name: string
  path: string
}

/** Reads `<dir>/NNN_name.sql`, refusing a gap or a repeated number before anything is applied. */
export function readMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .map((name) => ({ name, match: FILE.exec(name) }))
    .filter((file) => file.match)
    .map(({ name, match }) => ({ version: Number(match?.[1]), name, path: join(dir, name) }))
    .sort((a, b) => a.version - b.version)
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new MigrationError(
        `migrations must be numbered 1, 2, 3… without gaps or repeats; expected ${index + 1}, found ${migration.name}`,
      )
    }
  })
  return migrations
}

/**
 * Forward-only migrations: applies those not yet recorded in `schema_migrations`, in order, in one
 * transaction under an advisory lock, so two instances starting at once apply each exactly once.
 */
export async function migrate(sql: Sql, dir: string): Promise<string[]> {
  const migrations = readMigrations(dir)
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('schema_migrations'))`
    await tx`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`
    const rows = await tx<{ version: number }[]>`SELECT version FROM schema_migrations ORDER BY version`
    const newest = rows.at(-1)?.version ?? 0
    if (newest > migrations.length) {
      throw new MigrationError(
        `the database is at migration ${newest} but only ${migrations.length} exist here`,
      )
    }
    const pending = migrations.slice(newest)
    for (const migration of pending) {
      await tx.unsafe(readFileSync(migration.path, 'utf8'))
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${migration.version}, ${migration.name})`
    }
    return pending.map((migration) => migration.name)
  })
}
