import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { DEFAULT_PASSWORD_COST } from '../src/auth/passwords.ts'
import { call, createHarness, type Harness, register, type TokenPair } from './harness.ts'

const LOGIN = '/api/v1/auth/login'

describe('POST /api/v1/auth/login', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  const withoutRequestId = async (res: Response) => {
    const { request_id: _id, ...rest } = (await res.json()) as Record<string, unknown>
    return rest
  }

  it('signs in the seed admin with the OAuth2 form body, and the token opens /users/me', async () => {
    await fx.signedInAdmin()
    const res = await fx.defaultApp.request(LOGIN, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=admin@example.com&password=Admin123',
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    const tokens = (await res.json()) as TokenPair
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type'])
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 900 })
    expect(tokens.refresh_token).toMatch(/^[\w-]{43}$/)
    const me = await call(fx.defaultApp, 'GET', '/api/v1/users/me', { token: tokens.access_token })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ email: 'admin@example.com', role: 'admin', addresses: [] })
  })

  it('accepts JSON {email, password}, the email in any letter case, and the optional OAuth2 form fields', async () => {
    const user = await register(fx.defaultApp)
    const json = await call(fx.defaultApp, 'POST', LOGIN, {
      json: { email: user.email.toUpperCase(), password: user.password },
    })
    expect(json.status).toBe(200)
    const form = await call(fx.defaultApp, 'POST', LOGIN, {
      form: { grant_type: 'password', username: user.email, password: user.password, scope: '' },
    })
    expect(form.status).toBe(200)
    const multipart = new FormData()
    multipart.set('username', user.email)
    multipart.set('password', user.password)
    expect((await fx.defaultApp.request(LOGIN, { method: 'POST', body: multipart })).status).toBe(200)
  })

  it('answers an unknown email and a wrong password with the same 401', async () => {
    const user = await register(fx.defaultApp)
    const wrong = await call(fx.defaultApp, 'POST', LOGIN, {
      json: { email: user.email, password: 'Wrong123' },
    })
    const unknown = await call(fx.defaultApp, 'POST', LOGIN, {
      form: { username: 'nobody@example.com', password: user.password },
    })
    expect([wrong.status, unknown.status]).toEqual([401, 401])
    const [wrongBody, unknownBody] = [await withoutRequestId(wrong), await withoutRequestId(unknown)]
    expect(wrongBody).toEqual(unknownBody)
    expect(wrongBody).toMatchObject({ type: '/problems/unauthorized', detail: 'Invalid email or password' })
    expect(wrong.headers.get('WWW-Authenticate')).toBe(unknown.headers.get('WWW-Authenticate'))
  })

  it('spends the same argon2id work on an unknown email as on a wrong password', async () => {
    const app = fx.app({
      passwordCost: DEFAULT_PASSWORD_COST,
      loginLimits: { windowSeconds: 60, failuresPerEmail: 100, attemptsPerClient: 100 },
    })
    const user = await register(app)
    const timed = async (email: string) => {
      const started = performance.now()
      const res = await call(app, 'POST', LOGIN, { json: { email, password: 'Wrong123' } })
      expect(res.status).toBe(401)
      return performance.now() - started
    }
    await timed('warm-up@example.com')
    const known: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 4; i++) {
      known.push(await timed(user.email))
      unknown.push(await timed(`nobody${i}@example.com`))
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
    // Without the dummy verification an unknown email answers several times faster than a wrong password.
    const ratio = median(unknown) / median(known)
    expect(ratio).toBeGreaterThan(0.5)
    expect(ratio).toBeLessThan(2)
  })

  it('answers 401 with the same message for a disabled account, even with the right password', async () => {
    const user = await register(fx.defaultApp)
    await fx.sql`UPDATE users SET is_active = false WHERE id = ${user.id}`
    const res = await call(fx.defaultApp, 'POST', LOGIN, {
      json: { email: user.email, password: user.password },
    })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ detail: 'Invalid email or password' })
  })

  it('answers 415 to a body that is neither the form nor JSON', async () => {
    const body = new TextEncoder().encode('username=admin@example.com&password=Admin123')
    for (const type of [undefined, 'text/plain', 'application/xml']) {
      const headers: Record<string, string> = type ? { 'Content-Type': type } : {}
      const res = await fx.defaultApp.request(LOGIN, { method: 'POST', headers, body })
      expect(res.status).toBe(415)
      expect(await res.json()).toMatchObject({ type: '/problems/unsupported-media-type' })
    }
  })

  it('answers 400 to missing, unknown, repeated or over-long fields and to malformed JSON', async () => {
    const bad: Parameters<typeof call>[3][] = [
      { form: { username: 'admin@example.com' } },
      { form: { username: 'not-an-email', password: 'Admin123' } },
      { form: { username: 'admin@example.com', password: 'Admin123', extra: 'x' } },
      { form: { username: 'admin@example.com', password: 'Admin123', grant_type: 'client_credentials' } },
      { form: { username: 'admin@example.com', password: 'x'.repeat(129) } },
      { json: { email: 'admin@example.com' } },
      { json: { username: 'admin@example.com', password: 'Admin123' } },
      { json: { email: 'admin@example.com', password: 'Admin123', remember: true } },
      { json: { email: `${'a'.repeat(250)}@example.com`, password: 'Admin123' } },
    ]
    for (const options of bad) {
      const res = await call(fx.defaultApp, 'POST', LOGIN, options)
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ type: '/problems/validation' })
    }
    const repeated = await fx.defaultApp.request(LOGIN, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=admin@example.com&username=other@example.com&password=Admin123',
    })
    expect(repeated.status).toBe(400)
    const malformed = await fx.defaultApp.request(LOGIN, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"email":',
    })
    expect(malformed.status).toBe(400)
  })
})
