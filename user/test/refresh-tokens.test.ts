import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHash } from 'node:crypto'
import { decodeJwt } from 'jose'
import { call, createHarness, type Harness, login, signedIn } from './harness.ts'

const ME = '/api/v1/users/me'

describe('refresh tokens', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  const refresh = (refresh_token: string) =>
    call(fx.defaultApp, 'POST', '/api/v1/auth/refresh', { json: { refresh_token } })
  const logout = (refresh_token: string) =>
    call(fx.defaultApp, 'POST', '/api/v1/auth/logout', { json: { refresh_token } })

  it('rotates: each refresh answers a new pair and the new access token works', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    const first = await refresh(tokens.refresh_token)
    expect(first.status).toBe(200)
    expect(first.headers.get('Cache-Control')).toBe('no-store')
    const pair = (await first.json()) as typeof tokens
    expect(pair).toMatchObject({ token_type: 'bearer', expires_in: 900 })
    expect(pair.refresh_token).not.toBe(tokens.refresh_token)
    const me = await call(fx.defaultApp, 'GET', ME, { token: pair.access_token })
    expect(await me.json()).toMatchObject({ id: user.id })
    expect((await refresh(pair.refresh_token)).status).toBe(200)
  })

  it('keeps only the SHA-256 of a refresh token', async () => {
    const { tokens } = await signedIn(fx.defaultApp)
    const hash = createHash('sha256').update(tokens.refresh_token).digest()
    const [row] = await fx.sql`SELECT token_hash FROM refresh_tokens WHERE token_hash = ${hash}`
    expect(row?.token_hash).toHaveLength(32)
    const [plain] = await fx.sql`
      SELECT count(*)::int AS n FROM refresh_tokens t WHERE position(${tokens.refresh_token} in t::text) > 0`
    expect(plain?.n).toBe(0)
  })

  it('answers 401 to a spent refresh token and revokes its whole family, but not other sessions', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    const otherSession = await login(fx.defaultApp, user.email, user.password)
    const next = (await (await refresh(tokens.refresh_token)).json()) as typeof tokens
    const reuse = await refresh(tokens.refresh_token)
    expect(reuse.status).toBe(401)
    expect(await reuse.json()).toMatchObject({ detail: 'The refresh token is not valid' })
    expect((await refresh(next.refresh_token)).status).toBe(401)
    expect((await refresh(tokens.refresh_token)).status).toBe(401)
    expect((await refresh(otherSession.refresh_token)).status).toBe(200)
    expect(fx.entries.some((entry) => entry.msg?.toString().includes('family is revoked'))).toBe(true)
  })

  it('lets one of two concurrent refreshes with the same token through, and treats the other as reuse', async () => {
    const { tokens } = await signedIn(fx.defaultApp)
    const answers = await Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)])
    expect(answers.map((res) => res.status).sort()).toEqual([200, 401])
  })

  it('issues tokens with the role the account has now', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    await fx.sql`UPDATE users SET role = 'admin' WHERE id = ${user.id}`
    const pair = (await (await refresh(tokens.refresh_token)).json()) as typeof tokens
    expect(decodeJwt(pair.access_token).role).toBe('admin')
  })

  it('answers 401 to an unknown, an expired, or a disabled account refresh token', async () => {
    expect((await refresh('x'.repeat(43))).status).toBe(401)
    const { user } = await signedIn(fx.defaultApp)
    const pastApp = fx.app({
      now: () => new Date(Date.now() - 2 * 60 * 60 * 1000),
      refreshTokenTtlSeconds: 3600,
    })
    const old = await login(pastApp, user.email, user.password)
    expect((await refresh(old.refresh_token)).status).toBe(401)
    const fresh = await login(fx.defaultApp, user.email, user.password)
    await fx.sql`UPDATE users SET is_active = false WHERE id = ${user.id}`
    expect((await refresh(fresh.refresh_token)).status).toBe(401)
  })

  it('logs out with 204: the session refresh token stops working, and logging out again is still 204', async () => {
    const { tokens } = await signedIn(fx.defaultApp)
    const next = (await (await refresh(tokens.refresh_token)).json()) as typeof tokens
    expect((await logout(tokens.refresh_token)).status).toBe(204)
    expect((await refresh(next.refresh_token)).status).toBe(401)
    expect((await logout(next.refresh_token)).status).toBe(204)
    expect((await logout('never-issued')).status).toBe(204)
  })

  it('answers 400 or 415 to a refresh or logout body it cannot read', async () => {
    for (const path of ['/api/v1/auth/refresh', '/api/v1/auth/logout']) {
      const bad = [
        {},
        { refresh_token: '' },
        { refresh_token: 'x'.repeat(513) },
        { refresh_token: 'a', extra: 1 },
      ]
      for (const json of bad) expect((await call(fx.defaultApp, 'POST', path, { json })).status).toBe(400)
      const malformed = await fx.defaultApp.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{',
      })
      expect(malformed.status).toBe(400)
      expect((await call(fx.defaultApp, 'POST', path, { form: { refresh_token: 'a' } })).status).toBe(415)
    }
  })
})
