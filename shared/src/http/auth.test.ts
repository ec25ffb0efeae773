import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { SignJWT } from 'jose'
import { createMemoryLogger } from '../log.ts'
import { createTestIssuer } from '../testing/issuer.ts'
import { createJwtVerifier, requireAdmin, requireUser } from './auth.ts'
import { createBaseApp } from './base-app.ts'

const USER = '5f0c1a52-0000-4000-8000-000000000001'

describe('JWT middleware against a JWKS served over HTTP', () => {
  let issuer: Awaited<ReturnType<typeof createTestIssuer>>
  let app: ReturnType<typeof createBaseApp>

  beforeAll(async () => {
    issuer = await createTestIssuer()
    const verify = createJwtVerifier({ jwks: issuer.jwksUrl })
    app = createBaseApp({ service: 'x', log: createMemoryLogger().log, ready: {} })
    app.get('/me', requireUser(verify), (c) => c.json(c.get('user')))
    app.get('/admin', requireUser(verify), requireAdmin, (c) => c.text('ok'))
  })
  afterAll(() => issuer.stop())

  const call = (path: string, token?: string) =>
    app.request(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} })

  it('lets a valid token through with its subject and role', async () => {
    const res = await call('/me', await issuer.sign({ sub: USER, role: 'customer' }))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ id: USER, role: 'customer' })
  })

  it('answers 401 without a token, with a tampered one, an expired one, or one from another issuer', async () => {
    const valid = await issuer.sign({ sub: USER, role: 'admin' })
    const [head, body, signature] = valid.split('.')
    const forgedBody = Buffer.from(JSON.stringify({ sub: USER, role: 'admin', exp: 9999999999 })).toString(
      'base64url',
    )
    const cases = [
      undefined,
      'garbage',
      `${head}.${forgedBody}.${signature}`,
      await issuer.sign({ sub: USER, role: 'admin', expiresIn: '-1m' }),
      await issuer.sign({ sub: USER, role: 'admin', issuer: 'someone-else' }),
      await issuer.sign({ sub: USER, role: 'admin', audience: 'another-api' }),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`,
    ]
    for (const token of cases) {
      const res = await call('/me', token)
      expect(res.status).toBe(401)
      expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    }
  })

  it('answers 401 for a token signed by a key that is not in the key set', async () => {
    const stranger = await createTestIssuer()
    const res = await call('/me', await stranger.sign({ sub: USER, role: 'admin' }))
    expect(res.status).toBe(401)
    stranger.stop()
  })

  it('answers 403 to a customer on an admin route and lets an admin through', async () => {
    expect((await call('/admin', await issuer.sign({ sub: USER, role: 'customer' }))).status).toBe(403)
    expect((await call('/admin', await issuer.sign({ sub: USER, role: 'admin' }))).status).toBe(200)
  })

  it('answers 401 for an HS256 token even if it names a known key id', async () => {
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: 'test-key' })
      .setSubject(USER)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'))
    expect((await call('/me', token)).status).toBe(401)
  })
})
