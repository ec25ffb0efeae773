import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { createTestDatabase } from '@shop/shared/testing/postgres'
import { testServers } from '@shop/shared/testing/servers'
import { waitFor } from '@shop/shared/testing/wait-for'
import { UserEnv } from '../src/env.ts'
import { SEED_ADMIN } from './fixture.ts'

const MAIN = join(import.meta.dir, '..', 'src', 'main.ts')

const freePort = () => {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const { port } = probe
  probe.stop(true)
  return port
}

describe('the composition root (bun user/src/main.ts)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  beforeAll(async () => {
    db = await createTestDatabase('user_main')
  })
  afterAll(() => db.drop())

  const start = (extra: Record<string, string> = {}) => {
    const port = freePort()
    const child = Bun.spawn([process.execPath, MAIN], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: db.url,
        KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
        LOG_LEVEL: 'info',
        ...extra,
      },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const base = `http://127.0.0.1:${port}`
    const ready = () =>
      waitFor(async () => (await fetch(`${base}/ready`)).status === 200, {
        message: 'the service to be ready',
      })
    return { child, base, ready }
  }

  it('migrates, serves, keeps its signing key across a restart, and stops cleanly on SIGTERM', async () => {
    const first = start()
    await first.ready()
    // Straight into the table rather than through /register: this process publishes to the shared broker's
    // real topics, and a test should not leave a user.created there.
    const hash = await Bun.password.hash(SEED_ADMIN.password)
    await db.sql`
      INSERT INTO users (email, password_hash, first_name, last_name, role)
      VALUES (${SEED_ADMIN.email}, ${hash}, ${SEED_ADMIN.first_name}, ${SEED_ADMIN.last_name}, 'admin')`
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
    second.child.kill('SIGTERM')
    expect(await second.child.exited).toBe(0)
  }, 30_000)

  it('exits 1 naming the variable when the environment is invalid', async () => {
    const bad = start({ DATABASE_URL: 'not a url' })
    expect(await bad.child.exited).toBe(1)
    expect(await new Response(bad.child.stderr).text()).toContain('"variable":"DATABASE_URL"')
  })

  it('reads ADMIN_EMAILS case-insensitively, with no admins by default, and token lifetimes with defaults', () => {
    const base = { PORT: '8003', KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://localhost/users' }
    expect(UserEnv.parse(base)).toMatchObject({
      ADMIN_EMAILS: [],
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 2_592_000,
      HOST: '127.0.0.1',
    })
    const set = UserEnv.parse({
      ...base,
      ADMIN_EMAILS: ' A@Example.com, ,b@example.com',
      ACCESS_TOKEN_TTL_SECONDS: '60',
    })
    expect(set.ADMIN_EMAILS).toEqual(['a@example.com', 'b@example.com'])
    expect(set.ACCESS_TOKEN_TTL_SECONDS).toBe(60)
  })
})
