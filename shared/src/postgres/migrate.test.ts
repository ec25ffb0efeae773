import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { createTestDatabase } from '../testing/postgres.ts'
import { MigrationError, migrate } from './migrate.ts'

const fixtures = join(import.meta.dir, 'fixtures')

describe('forward-only migrator on the real PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  beforeAll(async () => {
    db = await createTestDatabase('migrate')
  })
  afterAll(() => db.drop())

  it('applies every migration once, in order, and nothing on a second run', async () => {
    expect(await migrate(db.sql, join(fixtures, 'ok'))).toEqual(['001_widgets.sql', '002_colour.sql'])
    expect(await migrate(db.sql, join(fixtures, 'ok'))).toEqual([])
    const [row] = await db.sql`INSERT INTO widgets (name) VALUES ('w') RETURNING colour`
    expect(row?.colour).toBe('blue')
    const versions = await db.sql`SELECT version FROM schema_migrations ORDER BY version`
    expect(versions.map((v) => v.version)).toEqual([1, 2])
  })

  it('applies each migration once when two instances start at the same time', async () => {
    const other = await createTestDatabase('migrate_race')
    const results = await Promise.all([
      migrate(other.sql, join(fixtures, 'ok')),
      migrate(other.sql, join(fixtures, 'ok')),
    ])
    expect(results.flat()).toEqual(['001_widgets.sql', '002_colour.sql'])
    await other.drop()
  })

  it('refuses a gap in the numbering before applying anything', async () => {
    const other = await createTestDatabase('migrate_gap')
    expect(migrate(other.sql, join(fixtures, 'gap'))).rejects.toBeInstanceOf(MigrationError)
    const [table] = await other.sql`SELECT to_regclass('widgets') AS name`
    expect(table?.name).toBeNull()
    await other.drop()
  })
})
