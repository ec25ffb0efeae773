import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { createMemoryLogger } from '../log.ts'
import { createTestIssuer } from '../testing/issuer.ts'
import { waitFor } from '../testing/wait-for.ts'
import {
  createJwtVerifier,
  JWT_AUDIENCE,
  JWT_ISSUER,
  requireAdmin,
  requireUser,
  type VerifyToken,
} from './auth.ts'
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

/** A JWKS served over real HTTP that a test can stop (the user service down), restart and rotate. */
async function startKeyServer() {
  const signers = new Map<string, CryptoKey>()
  const published: JWK[] = []
  let status = 200
  let hits = 0
  const addKey = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    signers.set(kid, privateKey)
    published.push({ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' })
  }
  const serve = (port: number) =>
    Bun.serve({
      hostname: '127.0.0.1',
      port,
      fetch: () => {
        hits++
        return status === 200 ? Response.json({ keys: published }) : new Response('no', { status })
      },
    })
  await addKey('k1')
  let server = serve(0)
  const port = server.port as number
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    addKey,
    hits: () => hits,
    answer: (code: number) => {
      status = code
    },
    sign: (kid: string, claims: { exp?: boolean } = {}) => {
      const key = signers.get(kid)
      const jwt = new SignJWT({ role: 'customer' })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(USER)
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setIssuedAt()
      if (claims.exp !== false) jwt.setExpirationTime('10m')
      return jwt.sign(key ?? (signers.get('k1') as CryptoKey))
    },
    stop: () => server.stop(true),
    restart: () => {
      server = serve(port)
    },
  }
}

describe('the key set across outages of the user service', () => {
  const HOUR_MS = 60 * 60 * 1000
  const app = (verify: VerifyToken) => {
    const api = createBaseApp({ service: 'x', log: createMemoryLogger().log, ready: {} })
    api.get('/me', requireUser(verify), (c) => c.json(c.get('user')))
    return api
  }
  const status = async (api: ReturnType<typeof app>, token: string) =>
    (await api.request('/me', { headers: { Authorization: `Bearer ${token}` } })).status

  it('goes on verifying with the last good key set while the JWKS server is stopped, then 503 once it is too old', async () => {
    const keys = await startKeyServer()
    const { log, entries } = createMemoryLogger()
    const maxStaleMs = 1_500
    const verify = createJwtVerifier({
      jwks: keys.url,
      maxStaleHours: maxStaleMs / HOUR_MS,
      refreshEveryMs: 100,
      refetchCooldownMs: 50,
      log,
    })
    const api = app(verify)
    const token = await keys.sign('k1')
    expect(await status(api, token)).toBe(200)
    keys.stop()
    const stoppedAt = Date.now()
    await waitFor(() => entries.some((entry) => String(entry.msg).startsWith('Could not refresh the JWKS')), {
      message: 'a failed refresh',
    })
    expect(await status(api, token)).toBe(200)
    const res = await waitFor(
      async () => {
        const answer = await api.request('/me', { headers: { Authorization: `Bearer ${token}` } })
        return answer.status !== 200 && answer
      },
      { message: 'the key set to be too old' },
    )
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(maxStaleMs - 200)
    expect(res.status).toBe(503)
    expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ status: 503, type: '/problems/unavailable' })
    keys.restart()
    await waitFor(async () => (await status(api, token)) === 200, { message: 'recovery after restart' })
    expect(entries.some((entry) => entry.msg === 'JWKS reachable again')).toBe(true)
    keys.stop()
  })

  it('answers 503, never 401 or 500, when no key set was ever loaded, and quickly', async () => {
    const keys = await startKeyServer()
    const token = await keys.sign('k1')
    keys.stop()
    const api = app(createJwtVerifier({ jwks: keys.url, refetchCooldownMs: 50 }))
    const started = Date.now()
    for (let i = 0; i < 3; i++) {
      const res = await api.request('/me', { headers: { Authorization: `Bearer ${token}` } })
      expect(res.status).toBe(503)
      expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    }
    expect(Date.now() - started).toBeLessThan(2_000)
    keys.restart()
    await waitFor(async () => (await status(api, token)) === 200, { message: 'the first key set' })
    keys.stop()
  })

  it('keeps the good key set when the JWKS answers an error, and 503 when that is all it ever answered', async () => {
    const keys = await startKeyServer()
    const token = await keys.sign('k1')
    const api = app(createJwtVerifier({ jwks: keys.url, refreshEveryMs: 50, refetchCooldownMs: 20 }))
    expect(await status(api, token)).toBe(200)
    keys.answer(500)
    const before = keys.hits()
    await waitFor(() => keys.hits() > before + 2, { message: 'refreshes answered with 500' })
    expect(await status(api, token)).toBe(200)
    const never = app(createJwtVerifier({ jwks: keys.url, refetchCooldownMs: 20 }))
    expect(await status(never, token)).toBe(503)
    keys.stop()
  })

  it('refetches for a key id it does not know (a rotation), and not again within the cooldown', async () => {
    const keys = await startKeyServer()
    const api = app(createJwtVerifier({ jwks: keys.url, refetchCooldownMs: 50 }))
    expect(await status(api, await keys.sign('k1'))).toBe(200)
    await keys.addKey('k2')
    const rotated = await keys.sign('k2')
    await waitFor(async () => (await status(api, rotated)) === 200, { message: 'the new key to be fetched' })

    const patient = app(createJwtVerifier({ jwks: keys.url, refetchCooldownMs: 60_000 }))
    expect(await status(patient, await keys.sign('k1'))).toBe(200)
    const hitsBefore = keys.hits()
    // Tokens naming made-up key ids: 401 at once, and no fetch, however many arrive.
    const stranger = await startKeyServer()
    const forged = await Promise.all([1, 2, 3, 4, 5].map(() => stranger.sign('k1')))
    expect(await Promise.all(forged.map((token) => status(patient, token)))).toEqual([
      401, 401, 401, 401, 401,
    ])
    const madeUpKid = await stranger.sign('k9')
    expect(await status(patient, madeUpKid)).toBe(401)
    expect(keys.hits()).toBe(hitsBefore)
    stranger.stop()
    keys.stop()
  })

  it('answers 401 to a token without exp', async () => {
    const keys = await startKeyServer()
    const api = app(createJwtVerifier({ jwks: keys.url }))
    expect(await status(api, await keys.sign('k1', { exp: false }))).toBe(401)
    keys.stop()
  })
})
