import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { generateKeyPairSync } from 'node:crypto'
import {
  createJwtVerifier,
  JWT_AUDIENCE,
  JWT_ISSUER,
  requireAdmin,
  requireUser,
} from '@shop/shared/http/auth'
import { createBaseApp } from '@shop/shared/http/base-app'
import { createMemoryLogger } from '@shop/shared/log'
import { createTestIssuer } from '@shop/shared/testing/issuer'
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { fixedKeyRing, openKeyRing } from '../src/keys/key-ring.ts'
import { SigningKeyError, signingKeyFromText } from '../src/keys/signing-key.ts'
import { call, createHarness, type Harness, login, signedIn } from './harness.ts'

const ME = '/api/v1/users/me'

describe('access tokens and the JWKS', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  it('signs ES256 tokens with the kid of the served key and the iss, aud, sub, role, iat and exp claims', async () => {
    const app = fx.app({ accessTokenTtlSeconds: 600 })
    const { user, tokens } = await signedIn(app)
    expect(tokens.expires_in).toBe(600)
    const jwks = (await (await app.request('/.well-known/jwks.json')).json()) as {
      keys: Record<string, string>[]
    }
    expect(decodeProtectedHeader(tokens.access_token)).toEqual({
      alg: 'ES256',
      kid: jwks.keys[0]?.kid,
      typ: 'JWT',
    })
    const claims = decodeJwt(tokens.access_token)
    expect(claims).toMatchObject({ iss: JWT_ISSUER, aud: JWT_AUDIENCE, sub: user.id, role: 'customer' })
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600)
    expect(Math.abs((claims.iat ?? 0) - Date.now() / 1000)).toBeLessThan(5)
  })

  it('serves the public key set at /.well-known/jwks.json, without any private part', async () => {
    const res = await fx.defaultApp.request('/.well-known/jwks.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300')
    const { keys } = (await res.json()) as { keys: Record<string, string>[] }
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: fx.keys.current().kid,
    })
    expect(Object.keys(keys[0] ?? {}).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
  })

  it('has its tokens verified by the shared middleware against the JWKS it serves over HTTP', async () => {
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: fx.defaultApp.fetch })
    try {
      const verify = createJwtVerifier({ jwks: `http://127.0.0.1:${server.port}/.well-known/jwks.json` })
      const other = createBaseApp({ service: 'order', log: createMemoryLogger().log, ready: {} })
      other.get('/mine', requireUser(verify), (c) => c.json(c.get('user')))
      other.get('/admin', requireUser(verify), requireAdmin, (c) => c.text('ok'))
      const { user, tokens } = await signedIn(fx.defaultApp)
      const auth = { Authorization: `Bearer ${tokens.access_token}` }
      const mine = await other.request('/mine', { headers: auth })
      expect(mine.status).toBe(200)
      expect(await mine.json()).toEqual({ id: user.id, role: 'customer' })
      expect((await other.request('/admin', { headers: auth })).status).toBe(403)
      const issuer = await createTestIssuer()
      const foreign = await issuer.sign({ sub: user.id, role: 'admin' })
      expect((await other.request('/mine', { headers: { Authorization: `Bearer ${foreign}` } })).status).toBe(
        401,
      )
      issuer.stop()
    } finally {
      server.stop(true)
    }
  })

  it('answers 401 on /users/me to no token, a tampered, expired, alg:none, foreign or wrongly addressed token', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    const [head, body, signature] = tokens.access_token.split('.')
    const promoted = Buffer.from(
      JSON.stringify({ ...decodeJwt(tokens.access_token), role: 'admin' }),
    ).toString('base64url')
    const pastApp = fx.app({ now: () => new Date(Date.now() - 60 * 60 * 1000) })
    const expired = (await login(pastApp, user.email, user.password)).access_token
    const issuer = await createTestIssuer()
    const ours = (claims: { iss?: string; aud?: string }) =>
      new SignJWT({ role: 'customer' })
        .setProtectedHeader({ alg: fx.keys.current().alg, kid: fx.keys.current().kid })
        .setSubject(user.id)
        .setIssuer(claims.iss ?? JWT_ISSUER)
        .setAudience(claims.aud ?? JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(fx.keys.current().privateKey)
    const cases: (string | undefined)[] = [
      undefined,
      'not-a-token',
      `${head}.${promoted}.${signature}`,
      `${head}.${body}.${signature?.slice(0, -4)}AAAA`,
      expired,
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${body}.`,
      await issuer.sign({ sub: user.id, role: 'customer' }),
      await ours({ iss: 'someone-else' }),
      await ours({ aud: 'another-api' }),
    ]
    for (const token of cases) {
      const res = await call(fx.defaultApp, 'GET', ME, { token })
      expect(res.status).toBe(401)
      expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    }
    expect((await call(fx.defaultApp, 'GET', ME, { token: await ours({}) })).status).toBe(200)
    issuer.stop()
  })

  it('keeps the generated key across restarts, and one key when instances start at the same time', async () => {
    await fx.sql`DELETE FROM signing_keys`
    const open = () => openKeyRing({ sql: fx.sql, tokenLifetimeSeconds: 900 })
    const rings = await Promise.all([1, 2, 3, 4].map(open))
    expect(new Set(rings.map((ring) => ring.current().kid)).size).toBe(1)
    const [rows] = await fx.sql`SELECT count(*)::int AS n FROM signing_keys`
    expect(rows?.n).toBe(1)
    const before = fx.app({ keys: rings[0] })
    const { tokens } = await signedIn(before)
    const restarted = fx.app({ keys: await open() })
    expect((await call(restarted, 'GET', ME, { token: tokens.access_token })).status).toBe(200)
  })

  it('signs with JWT_PRIVATE_KEY when it is given as a PKCS8 PEM or a JWK, and refuses a key it cannot use', async () => {
    const ed25519 = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString()
    const fromPem = await signingKeyFromText(ed25519.replaceAll('\n', '\\n'))
    expect(fromPem.alg).toBe('EdDSA')
    const app = fx.app({ keys: fixedKeyRing(fromPem) })
    const { tokens } = await signedIn(app)
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'EdDSA', kid: fromPem.kid })
    expect((await call(app, 'GET', ME, { token: tokens.access_token })).status).toBe(200)
    expect((await call(fx.defaultApp, 'GET', ME, { token: tokens.access_token })).status).toBe(401)

    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const fromJwk = await signingKeyFromText(JSON.stringify(await exportJWK(privateKey)))
    expect(fromJwk).toMatchObject({ alg: 'ES256', publicJwk: { kid: fromJwk.kid, use: 'sig' } })
    expect(fromJwk.publicJwk.d).toBeUndefined()

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    })
    const { d: _d, ...publicOnly } = await exportJWK(privateKey)
    for (const bad of ['nonsense', '{"kty":', rsa.toString(), JSON.stringify(publicOnly)]) {
      await expect(signingKeyFromText(bad)).rejects.toBeInstanceOf(SigningKeyError)
    }
  })
})
