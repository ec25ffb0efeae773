import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { decodeProtectedHeader } from 'jose'
import { openKeyRing, publishedForMs } from '../src/keys/key-ring.ts'
import { rotateSigningKey } from '../src/keys/rotate.ts'
import { call, createHarness, type Harness, login, register } from './harness.ts'

const SCRIPT = join(import.meta.dir, '..', 'scripts', 'rotate-key.ts')
const TTL = 900

describe('signing key rotation', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  const kidOf = (token: string) => decodeProtectedHeader(token).kid
  const publishedKids = async (app: ReturnType<Harness['app']>) =>
    ((await (await app.request('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] }).keys.map(
      (key) => key.kid,
    )

  it('rotate-key adds a key that every process signs with after its reload, publishing old and new', async () => {
    let clock = Date.now()
    const now = () => new Date(clock)
    const ringA = await openKeyRing({ sql: fx.sql, tokenLifetimeSeconds: TTL, now })
    const ringB = await openKeyRing({ sql: fx.sql, tokenLifetimeSeconds: TTL, now })
    const [a, b] = [fx.app({ keys: ringA, now }), fx.app({ keys: ringB, now })]
    const user = await register(a)
    const before = await login(a, user.email, user.password)
    const oldKid = kidOf(before.access_token)

    const run = Bun.spawn([process.execPath, SCRIPT], {
      env: { ...process.env, DATABASE_URL: fx.db.url },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(await run.exited).toBe(0)
    const report = JSON.parse(await new Response(run.stdout).text())
    expect(report).toMatchObject({ msg: 'Signing key rotated', retired_kid: oldKid })
    expect(report.kid).not.toBe(oldKid)

    // B rereads the keys (as its periodic reload does); A has not yet.
    await ringB.reload()
    const fromB = await login(b, user.email, user.password)
    expect(kidOf(fromB.access_token)).toBe(report.kid)
    expect(await publishedKids(b)).toEqual([report.kid, oldKid])
    // A verifies B's token at once: an unknown kid rereads the keys.
    expect((await call(a, 'GET', '/api/v1/users/me', { token: fromB.access_token })).status).toBe(200)
    expect(kidOf((await login(a, user.email, user.password)).access_token)).toBe(report.kid)
    // Tokens of the old key stay valid everywhere while they live.
    for (const app of [a, b]) {
      expect((await call(app, 'GET', '/api/v1/users/me', { token: before.access_token })).status).toBe(200)
    }

    // Past the longest token lifetime the old key is no longer published, and nothing it signed is accepted.
    clock += publishedForMs(TTL) + 1_000
    await ringA.reload()
    expect(await publishedKids(a)).toEqual([report.kid])
    expect((await call(a, 'GET', '/api/v1/users/me', { token: before.access_token })).status).toBe(401)
  })

  it('keeps exactly one signing key when rotations run at once', async () => {
    await Promise.all(Array.from({ length: 6 }, () => rotateSigningKey(fx.sql)))
    const [active] = await fx.sql`SELECT count(*)::int AS n FROM signing_keys WHERE retired_at IS NULL`
    expect(active?.n).toBe(1)
    const ring = await openKeyRing({ sql: fx.sql, tokenLifetimeSeconds: TTL })
    // Each key is dated after the one it retired, so the newest is the one that signs.
    const [newest] = await fx.sql`SELECT kid FROM signing_keys ORDER BY created_at DESC LIMIT 1`
    expect(ring.current().kid).toBe(newest?.kid)
    const [misdated] = await fx.sql`
      SELECT count(*)::int AS n FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < created_at`
    expect(misdated?.n).toBe(0)
  })
})
