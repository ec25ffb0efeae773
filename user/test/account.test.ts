import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { decodeJwt } from 'jose'
import { call, createHarness, type Harness, login, signedIn, type TokenPair } from './harness.ts'

const ME = '/api/v1/users/me'
const PASSWORD = `${ME}/password`

describe('PATCH /api/v1/users/{id} (admin): deactivating an account', () => {
  let fx: Harness
  let admin: Awaited<ReturnType<Harness['signedInAdmin']>>
  beforeAll(async () => {
    fx = await createHarness()
    admin = await fx.signedInAdmin()
  })
  afterAll(() => fx.db.drop())

  const setActive = (token: string, id: string, json: unknown) =>
    call(fx.defaultApp, 'PATCH', `/api/v1/users/${id}`, { token, json })
  const refresh = (refresh_token: string) =>
    call(fx.defaultApp, 'POST', '/api/v1/auth/refresh', { json: { refresh_token } })

  it('disables the account: its refresh tokens are revoked, logins refused, its token shut out here', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    const second = await login(fx.defaultApp, user.email, user.password)
    const res = await setActive(admin.token, user.id, { is_active: false })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: user.id, is_active: false })
    expect((await refresh(tokens.refresh_token)).status).toBe(401)
    expect((await refresh(second.refresh_token)).status).toBe(401)
    const [open] = await fx.sql`
      SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = ${user.id} AND revoked_at IS NULL`
    expect(open?.n).toBe(0)
    const relogin = await call(fx.defaultApp, 'POST', '/api/v1/auth/login', {
      json: { email: user.email, password: user.password },
    })
    expect(relogin.status).toBe(401)
    expect((await call(fx.defaultApp, 'GET', ME, { token: tokens.access_token })).status).toBe(401)

    const back = await setActive(admin.token, user.id, { is_active: true })
    expect(await back.json()).toMatchObject({ is_active: true })
    expect((await login(fx.defaultApp, user.email, user.password)).access_token).toBeString()
  })

  it('answers 403 to a customer, 404 for an unknown id, 400 for a bad body, 422 for the admin itself', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    expect((await setActive(tokens.access_token, user.id, { is_active: false })).status).toBe(403)
    expect((await setActive(admin.token, crypto.randomUUID(), { is_active: false })).status).toBe(404)
    for (const json of [{}, { is_active: 'no' }, { is_active: false, role: 'admin' }]) {
      const res = await setActive(admin.token, user.id, json)
      expect(res.status).toBe(400)
    }
    const own = await setActive(admin.token, admin.id, { is_active: false })
    expect(own.status).toBe(422)
    expect(await own.json()).toMatchObject({ detail: 'You cannot disable your own account' })
    const [row] = await fx.sql`SELECT is_active FROM users WHERE id = ${user.id}`
    expect(row?.is_active).toBe(true)
  })
})

describe('PUT /api/v1/users/me/password and PUT /api/v1/users/me', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  const change = (tokens: TokenPair, json: unknown) =>
    call(fx.defaultApp, 'PUT', PASSWORD, { token: tokens.access_token, json })
  const refresh = (refresh_token: string) =>
    call(fx.defaultApp, 'POST', '/api/v1/auth/refresh', { json: { refresh_token } })

  it('changes the password, keeps the calling session and ends every other one', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    const elsewhere = await login(fx.defaultApp, user.email, user.password)
    expect(decodeJwt(tokens.access_token).sid).toBeString()
    const res = await change(tokens, { current_password: user.password, new_password: 'N3wPassword' })
    expect(res.status).toBe(204)
    expect((await refresh(elsewhere.refresh_token)).status).toBe(401)
    expect((await refresh(tokens.refresh_token)).status).toBe(200)
    const old = await call(fx.defaultApp, 'POST', '/api/v1/auth/login', {
      json: { email: user.email, password: user.password },
    })
    expect(old.status).toBe(401)
    expect((await login(fx.defaultApp, user.email, 'N3wPassword')).access_token).toBeString()
  })

  it('answers 401 to a wrong current password and changes nothing; 400 to a new one that breaks the policy', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    const [before] = await fx.sql`SELECT password_hash FROM users WHERE id = ${user.id}`
    const wrong = await change(tokens, { current_password: 'Wrong1234', new_password: 'N3wPassword' })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ detail: 'The current password is not correct' })
    const weak = await change(tokens, { current_password: user.password, new_password: 'short' })
    expect(weak.status).toBe(400)
    expect(((await weak.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('new_password')
    for (const json of [{}, { current_password: user.password }, { new_password: 'N3wPassword' }]) {
      expect((await change(tokens, json)).status).toBe(400)
    }
    const [after] = await fx.sql`SELECT password_hash FROM users WHERE id = ${user.id}`
    expect(after?.password_hash).toBe(before?.password_hash)
    expect((await refresh(tokens.refresh_token)).status).toBe(200)
    expect((await call(fx.defaultApp, 'PUT', PASSWORD, { json: {} })).status).toBe(401)
  })

  it('counts wrong current passwords toward the account limit: the sixth try is 429', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    for (let i = 0; i < 5; i++) {
      const res = await change(tokens, { current_password: `Wrong${i}abc`, new_password: 'N3wPassword' })
      expect(res.status).toBe(401)
    }
    const res = await change(tokens, { current_password: user.password, new_password: 'N3wPassword' })
    expect(res.status).toBe(429)
    expect(res.headers.get('Retry-After')).toBeTruthy()
  })

  it('accepts PUT /users/me as PATCH does', async () => {
    const { tokens } = await signedIn(fx.defaultApp)
    const res = await call(fx.defaultApp, 'PUT', ME, {
      token: tokens.access_token,
      json: { first_name: 'Grace' },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ first_name: 'Grace', last_name: 'Lovelace' })
    expect((await call(fx.defaultApp, 'PUT', ME, { token: tokens.access_token, json: {} })).status).toBe(400)
  })
})

describe('text a person typed', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  const LONE_SURROGATE = 'Ada\uD800'
  const pathsOf = async (res: Response) =>
    ((await res.json()) as { errors: { path: string }[] }).errors.map((error) => error.path)

  it('answers 400 naming the field for NUL or an unpaired surrogate, in registration, profile and address', async () => {
    const users = (await fx.sql`SELECT count(*)::int AS n FROM users`)[0]?.n
    const register = (overrides: Record<string, unknown>) =>
      call(fx.defaultApp, 'POST', '/api/v1/auth/register', {
        json: {
          email: 'x@example.com',
          password: 'Passw0rd!',
          first_name: 'A',
          last_name: 'B',
          ...overrides,
        },
      })
    for (const [field, value] of [
      ['first_name', 'Ada\u0000'],
      ['last_name', LONE_SURROGATE],
      ['password', 'Passw0rd\u0000'],
      ['password', 'Passw0rd\uDC00'],
    ] as const) {
      const res = await register({ [field]: value })
      expect(res.status).toBe(400)
      expect(await pathsOf(res)).toContain(field)
    }
    expect((await fx.sql`SELECT count(*)::int AS n FROM users`)[0]?.n).toBe(users)

    const { tokens } = await signedIn(fx.defaultApp)
    const patch = await call(fx.defaultApp, 'PATCH', ME, {
      token: tokens.access_token,
      json: { first_name: 'x\u0000y' },
    })
    expect(patch.status).toBe(400)
    expect(await pathsOf(patch)).toEqual(['first_name'])
    const address = { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' }
    for (const field of ['line1', 'line2', 'city', 'state', 'postal_code', 'country']) {
      const res = await call(fx.defaultApp, 'POST', `${ME}/addresses`, {
        token: tokens.access_token,
        json: { ...address, [field]: LONE_SURROGATE },
      })
      expect(res.status).toBe(400)
      expect(await pathsOf(res)).toEqual([field])
    }
    const login = await call(fx.defaultApp, 'POST', '/api/v1/auth/login', {
      json: { email: 'x@example.com', password: 'a\u0000' },
    })
    expect(login.status).toBe(400)
  })
})
