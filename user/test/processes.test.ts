import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { createJwtVerifier, requireUser, type VerifyToken } from '@shop/shared/http/auth'
import { createBaseApp } from '@shop/shared/http/base-app'
import { createMemoryLogger } from '@shop/shared/log'
import { createTestDatabase } from '@shop/shared/testing/postgres'
import { waitFor } from '@shop/shared/testing/wait-for'
import { decodeProtectedHeader } from 'jose'
import { registration, SEED_ADMIN } from './harness.ts'
import { loginOver, startUserProcess, type UserProcess } from './process.ts'

const ROTATE = join(import.meta.dir, '..', 'scripts', 'rotate-key.ts')

/** Another service's routes: the shared verifier against the user service's JWKS over HTTP. */
const otherService = (verify: VerifyToken) => {
  const app = createBaseApp({ service: 'order', log: createMemoryLogger().log, ready: {} })
  app.get('/mine', requireUser(verify), (c) => c.json(c.get('user')))
  return async (token: string) =>
    (await app.request('/mine', { headers: { Authorization: `Bearer ${token}` } })).status
}

describe('user-service processes, for real', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  const running: UserProcess[] = []
  const start = (extra: Record<string, string> = {}) => {
    const one = startUserProcess(db.url, extra)
    running.push(one)
    return one
  }
  beforeAll(async () => {
    db = await createTestDatabase('user_procs')
  })
  afterAll(async () => {
    await Promise.all(running.map((one) => one.stop()))
    await db.drop()
  })

  it('other services go on verifying tokens with the user service stopped, and answer 503 with no key set', async () => {
    const user = start()
    await user.ready()
    const { access_token } = await loginOver(user.base, SEED_ADMIN.email, SEED_ADMIN.password)
    const jwksUrl = `${user.base}/.well-known/jwks.json`
    const { log, entries } = createMemoryLogger()
    const check = otherService(createJwtVerifier({ jwks: jwksUrl, refreshEveryMs: 200, log }))
    expect(await check(access_token)).toBe(200)
    expect(await user.stop()).toBe(0)
    await waitFor(() => entries.some((entry) => String(entry.msg).startsWith('Could not refresh the JWKS')), {
      message: 'a refresh to fail against the stopped service',
    })
    expect(await check(access_token)).toBe(200)
    const fresh = otherService(createJwtVerifier({ jwks: jwksUrl }))
    expect(await fresh(access_token)).toBe(503)
  }, 30_000)

  it('after rotate-key, a process started later signs with the new key and every process accepts both', async () => {
    const first = start()
    await first.ready()
    const before = await loginOver(first.base, SEED_ADMIN.email, SEED_ADMIN.password)
    const rotation = Bun.spawn([process.execPath, ROTATE], {
      env: { ...process.env, DATABASE_URL: db.url },
      stdout: 'pipe',
    })
    expect(await rotation.exited).toBe(0)
    const { kid } = JSON.parse(await new Response(rotation.stdout).text()) as { kid: string }
    const second = start()
    await second.ready()
    const after = await loginOver(second.base, SEED_ADMIN.email, SEED_ADMIN.password)
    expect(decodeProtectedHeader(after.access_token).kid).toBe(kid)
    const me = (base: string, token: string) =>
      fetch(`${base}/api/v1/users/me`, { headers: { Authorization: `Bearer ${token}` } })
    for (const base of [first.base, second.base]) {
      expect((await me(base, before.access_token)).status).toBe(200)
      expect((await me(base, after.access_token)).status).toBe(200)
    }
    const jwks = (await (await fetch(`${first.base}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[]
    }
    expect(jwks.keys.map((key) => key.kid)).toContain(kid)
    expect(jwks.keys).toHaveLength(2)
    const check = otherService(createJwtVerifier({ jwks: `${first.base}/.well-known/jwks.json` }))
    expect([await check(before.access_token), await check(after.access_token)]).toEqual([200, 200])
  }, 30_000)

  it('two processes share one registration limit per address', async () => {
    const limited = { REGISTRATION_LIMIT_PER_ADDRESS: '3' }
    const [a, b] = [start(limited), start(limited)]
    await Promise.all([a.ready(), b.ready()])
    const registerAt = (base: string) =>
      fetch(`${base}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '198.51.100.77' },
        body: JSON.stringify(registration()),
      })
    const statuses = []
    for (const one of [a, b, a, b]) statuses.push((await registerAt(one.base)).status)
    expect(statuses).toEqual([201, 201, 201, 429])
  }, 30_000)
})
