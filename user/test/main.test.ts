import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createTestDatabase } from '@shop/shared/testing/postgres'
import { UserEnv } from '../src/env.ts'
import { SEED_ADMIN } from './harness.ts'
import { startUserProcess } from './process.ts'

describe('the composition root (bun user/src/main.ts)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  beforeAll(async () => {
    db = await createTestDatabase('user_main')
  })
  afterAll(() => db.drop())

  const start = (extra: Record<string, string> = {}) => startUserProcess(extra.DATABASE_URL ?? db.url, extra)

  it('migrates, creates the ADMIN_EMAIL admin, keeps its signing key across a restart, stops on SIGTERM', async () => {
    const first = start()
    await first.ready()
    const login = await fetch(`${first.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=admin@example.com&password=Admin123',
    })
    expect(login.status).toBe(200)
    const { access_token } = (await login.json()) as { access_token: string }
    first.child.kill('SIGTERM')
    expect(await first.child.exited).toBe(0)
    const logs = await new Response(first.child.stdout).text()
    expect(logs).toContain('"msg":"Stopped"')
    expect(logs).toContain('"msg":"Outbox relay stopped"')

    const second = start()
    await second.ready()
    const me = await fetch(`${second.base}/api/v1/users/me`, {
      headers: { Authorization: `Bearer ${access_token}` },
    })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ email: SEED_ADMIN.email, role: 'admin' })
    second.child.kill('SIGTERM')
    expect(await second.child.exited).toBe(0)
    expect(await new Response(second.child.stdout).text()).toContain('"outcome":"admin-exists"')
  }, 30_000)

  it('creates exactly one admin when two processes start at once on an empty database', async () => {
    const fresh = await createTestDatabase('user_main_pair')
    try {
      const pair = [start({ DATABASE_URL: fresh.url }), start({ DATABASE_URL: fresh.url })]
      await Promise.all(pair.map((one) => one.ready()))
      const admins = await fresh.sql`SELECT email, role FROM users`
      expect([...admins]).toEqual([{ email: SEED_ADMIN.email, role: 'admin' }])
      const [keys] = await fresh.sql`SELECT count(*)::int AS n FROM signing_keys WHERE retired_at IS NULL`
      expect(keys?.n).toBe(1)
      for (const one of pair) one.child.kill('SIGTERM')
      expect(await Promise.all(pair.map((one) => one.child.exited))).toEqual([0, 0])
      const outcomes = await Promise.all(
        pair.map(
          async (one) => /"outcome":"([a-z-]+)"/.exec(await new Response(one.child.stdout).text())?.[1],
        ),
      )
      expect(outcomes).toContain('created')
      expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1)
    } finally {
      await fresh.drop()
    }
  }, 30_000)

  it('creates no admin without ADMIN_EMAIL, and never promotes an account that registered the email', async () => {
    const fresh = await createTestDatabase('user_main_none')
    try {
      const none = start({ DATABASE_URL: fresh.url, ADMIN_EMAIL: '', ADMIN_PASSWORD: '' })
      await none.ready()
      const register = await fetch(`${none.base}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(SEED_ADMIN),
      })
      expect(await register.json()).toMatchObject({ email: SEED_ADMIN.email, role: 'customer' })
      none.child.kill('SIGTERM')
      await none.child.exited

      const later = start({ DATABASE_URL: fresh.url })
      await later.ready()
      expect([...(await fresh.sql`SELECT role FROM users`)]).toEqual([{ role: 'customer' }])
      later.child.kill('SIGTERM')
      await later.child.exited
      const logs = await new Response(later.child.stdout).text()
      expect(logs).toContain('"outcome":"email-taken"')
    } finally {
      await fresh.drop()
    }
  }, 30_000)

  it('exits 1 naming the variable when the environment is invalid', async () => {
    const bad = start({ DATABASE_URL: 'not a url' })
    expect(await bad.child.exited).toBe(1)
    expect(await new Response(bad.child.stderr).text()).toContain('"variable":"DATABASE_URL"')
  })

  it('reads the admin, limits, proxies, retention and token lifetimes, with their defaults', () => {
    const base = { PORT: '8003', KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://localhost/users' }
    const defaults = UserEnv.parse(base)
    expect(defaults).toMatchObject({
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 2_592_000,
      REGISTRATION_LIMIT_PER_ADDRESS: 10,
      LOGIN_LIMIT_PER_ADDRESS: 20,
      TRUSTED_PROXIES: [],
      OUTBOX_RETENTION_HOURS: 24,
      HOST: '127.0.0.1',
    })
    expect(defaults.ADMIN_EMAIL).toBeUndefined()
    // What compose passes when the owner set neither: `${ADMIN_EMAIL:-}` is an empty string.
    expect(UserEnv.parse({ ...base, ADMIN_EMAIL: '', ADMIN_PASSWORD: '' }).ADMIN_EMAIL).toBeUndefined()
    const set = UserEnv.parse({
      ...base,
      ADMIN_EMAIL: ' Boss@Example.com',
      ADMIN_PASSWORD: 'Secret123',
      TRUSTED_PROXIES: ' 10.0.0.1, ,10.0.0.2',
      ACCESS_TOKEN_TTL_SECONDS: '60',
    })
    expect(set).toMatchObject({
      ADMIN_EMAIL: 'boss@example.com',
      TRUSTED_PROXIES: ['10.0.0.1', '10.0.0.2'],
      ACCESS_TOKEN_TTL_SECONDS: 60,
    })
    expect(UserEnv.safeParse({ ...base, ADMIN_EMAIL: 'a@example.com' }).success).toBe(false)
    expect(UserEnv.safeParse({ ...base, ADMIN_EMAIL: 'a@example.com', ADMIN_PASSWORD: 'weak' }).success).toBe(
      false,
    )
  })
})
