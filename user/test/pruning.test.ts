import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { outboxMessage } from '@shop/shared/outbox/message'
import { insertOutbox } from '@shop/shared/outbox/postgres-store'
import { rotateSigningKey } from '../src/keys/rotate.ts'
import { pruningTasks } from '../src/pruning.ts'
import { call, createHarness, type Harness, login, register, TEST_RETENTION } from './harness.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe('pruning: rows past their use go, rows still in use stay and still work', () => {
  let fx: Harness
  let clock = Date.now()
  const now = () => new Date(clock)
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  const prune = async () => {
    const counts: Record<string, number> = {}
    for (const task of pruningTasks(fx.sql, TEST_RETENTION, now)) counts[task.name] = await task.run()
    return counts
  }
  const count = async (table: string) =>
    (await fx.sql`SELECT count(*)::int AS n FROM ${fx.sql(table)}`)[0]?.n as number

  it('deletes login attempts past the 15-minute window and keeps the window, which still limits', async () => {
    const app = fx.app({ now })
    const user = await register(app)
    const fail = () =>
      call(app, 'POST', '/api/v1/auth/login', { json: { email: user.email, password: 'Wrong123' } })
    clock -= 20 * MINUTE
    await fail()
    clock += 20 * MINUTE
    for (let i = 0; i < 4; i++) expect((await fail()).status).toBe(401)
    expect((await prune())['prune login attempts']).toBe(1)
    expect(await count('login_attempts')).toBe(4)
    // The four failures inside the window are still there: the fifth is allowed, the sixth refused.
    expect((await fail()).status).toBe(401)
    expect((await fail()).status).toBe(429)
    clock += 16 * MINUTE
    await prune()
    expect(await count('login_attempts')).toBe(0)
  })

  it('deletes registration attempts past their window only', async () => {
    await fx.sql`
      INSERT INTO registration_attempts (client, attempted_at)
      VALUES ('a', ${new Date(clock - 16 * MINUTE)}), ('a', ${new Date(clock - 14 * MINUTE)})`
    const before = await count('registration_attempts')
    expect((await prune())['prune registration attempts']).toBe(1)
    expect(await count('registration_attempts')).toBe(before - 1)
  })

  it('deletes expired refresh tokens and keeps spent ones inside their lifetime, so reuse is still caught', async () => {
    const past = fx.app({ now: () => new Date(clock - 31 * 24 * HOUR) })
    const user = await register(fx.defaultApp)
    await login(past, user.email, user.password)
    const live = await login(fx.defaultApp, user.email, user.password)
    const refresh = (refresh_token: string) =>
      call(fx.defaultApp, 'POST', '/api/v1/auth/refresh', { json: { refresh_token } })
    const next = (await (await refresh(live.refresh_token)).json()) as { refresh_token: string }
    expect((await prune())['prune refresh tokens']).toBe(1)
    const rows = await fx.sql`SELECT used_at FROM refresh_tokens WHERE user_id = ${user.id}`
    expect(rows).toHaveLength(2)
    expect((await refresh(live.refresh_token)).status).toBe(401)
    expect((await refresh(next.refresh_token)).status).toBe(401)
  })

  it('deletes sent outbox rows past OUTBOX_RETENTION_HOURS and never an unsent one', async () => {
    const row = async (sentAt: Date | null, createdAt: Date) => {
      const message = outboxMessage(
        'user.address_removed',
        { user_id: crypto.randomUUID(), address_id: 'a1' },
        { key: 'k' },
      )
      await insertOutbox(fx.sql, { ...message, created_at: createdAt.toISOString() })
      await fx.sql`UPDATE outbox SET sent_at = ${sentAt} WHERE id = ${message.id}`
      return message.id
    }
    await fx.sql`DELETE FROM outbox`
    const old = new Date(clock - 25 * HOUR)
    await row(old, old)
    const recent = await row(new Date(clock - 23 * HOUR), old)
    const unsent = await row(null, old)
    expect((await prune())['prune sent outbox rows']).toBe(1)
    const left = await fx.sql`SELECT id FROM outbox ORDER BY seq`
    expect(left.map((r) => r.id)).toEqual([recent, unsent])
  })

  it('deletes a retired signing key once no token it signed can still be valid', async () => {
    const first = fx.keys.current().kid
    await rotateSigningKey(fx.sql)
    expect((await prune())['prune retired signing keys']).toBe(0)
    clock += 15 * MINUTE + 2 * MINUTE
    expect((await prune())['prune retired signing keys']).toBe(1)
    const kids = await fx.sql`SELECT kid FROM signing_keys`
    expect(kids.map((r) => r.kid)).not.toContain(first)
    expect(kids).toHaveLength(1)
  })
})
