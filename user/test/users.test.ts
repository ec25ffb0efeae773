import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { decodeJwt } from 'jose'
import { call, createHarness, type Harness, login, signedIn } from './harness.ts'

const ME = '/api/v1/users/me'
const roleOf = (id: string) => `/api/v1/users/${id}/role`

describe('GET and PATCH /api/v1/users/me', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  it('answers the signed-in user with its addresses', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp, { phone: '+1 555 0100' })
    await call(fx.defaultApp, 'POST', `${ME}/addresses`, {
      token: tokens.access_token,
      json: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
    })
    const res = await call(fx.defaultApp, 'GET', ME, { token: tokens.access_token })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    const { password: _p, ...registered } = user
    expect(body).toMatchObject({ ...registered, phone: '+1 555 0100', addresses: [{ line1: '1 Main St' }] })
    expect(JSON.stringify(body)).not.toContain('argon2')
  })

  it('answers 401 without a token, and for a token whose account is disabled', async () => {
    expect((await fx.defaultApp.request(ME)).status).toBe(401)
    expect((await fx.defaultApp.request(ME, { headers: { Authorization: 'Basic abc' } })).status).toBe(401)
    const { user, tokens } = await signedIn(fx.defaultApp)
    await fx.sql`UPDATE users SET is_active = false WHERE id = ${user.id}`
    const res = await call(fx.defaultApp, 'GET', ME, { token: tokens.access_token })
    expect(res.status).toBe(401)
    expect((await call(fx.defaultApp, 'GET', `${ME}/addresses`, { token: tokens.access_token })).status).toBe(
      401,
    )
  })

  it('changes names and phone, clears the phone with null, and keeps the rest', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    const patch = (json: unknown) => call(fx.defaultApp, 'PATCH', ME, { token: tokens.access_token, json })
    const renamed = await patch({ first_name: ' Grace ', phone: '+44 20 7946 0958' })
    expect(renamed.status).toBe(200)
    expect(await renamed.json()).toMatchObject({
      id: user.id,
      email: user.email,
      first_name: 'Grace',
      last_name: 'Lovelace',
      phone: '+44 20 7946 0958',
    })
    const cleared = await patch({ phone: null, last_name: 'Hopper' })
    expect(await cleared.json()).toMatchObject({ first_name: 'Grace', last_name: 'Hopper', phone: null })
    const [row] = await fx.sql`SELECT updated_at > created_at AS touched FROM users WHERE id = ${user.id}`
    expect(row?.touched).toBe(true)
  })

  it('answers 400 to an empty patch, unknown or read-only fields, over-long names and a bad phone', async () => {
    const { tokens } = await signedIn(fx.defaultApp)
    const bad = [
      {},
      { email: 'new@example.com' },
      { role: 'admin' },
      { password: 'Passw0rd!' },
      { first_name: 'x'.repeat(101) },
      { last_name: '' },
      { phone: 'no digits' },
      { first_name: null },
    ]
    for (const json of bad) {
      const res = await call(fx.defaultApp, 'PATCH', ME, { token: tokens.access_token, json })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ type: '/problems/validation' })
    }
    const plain = await fx.defaultApp.request(ME, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${tokens.access_token}`, 'Content-Type': 'text/plain' },
      body: '{"first_name":"X"}',
    })
    expect(plain.status).toBe(415)
  })
})

describe('PATCH /api/v1/users/{id}/role', () => {
  let fx: Harness
  let admin: { id: string; token: string }
  beforeAll(async () => {
    fx = await createHarness()
    admin = await fx.signedInAdmin()
  })
  afterAll(() => fx.db.drop())

  const setRole = (token: string, id: string, json: unknown) =>
    call(fx.defaultApp, 'PATCH', roleOf(id), { token, json })

  it('lets an admin make a customer an admin and back, which their next tokens carry', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    const promoted = await setRole(admin.token, user.id, { role: 'admin' })
    expect(promoted.status).toBe(200)
    expect(await promoted.json()).toMatchObject({ id: user.id, role: 'admin', addresses: [] })
    const next = await login(fx.defaultApp, user.email, user.password)
    expect(decodeJwt(next.access_token).role).toBe('admin')
    const demoted = await setRole(admin.token, user.id, { role: 'customer' })
    expect(await demoted.json()).toMatchObject({ role: 'customer' })
    const refreshed = await call(fx.defaultApp, 'POST', '/api/v1/auth/refresh', {
      json: { refresh_token: tokens.refresh_token },
    })
    expect(decodeJwt(((await refreshed.json()) as { access_token: string }).access_token).role).toBe(
      'customer',
    )
  })

  it('answers 403 to a customer and 401 without a token', async () => {
    const { user, tokens } = await signedIn(fx.defaultApp)
    const res = await setRole(tokens.access_token, user.id, { role: 'admin' })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ type: '/problems/forbidden' })
    expect((await call(fx.defaultApp, 'PATCH', roleOf(user.id), { json: { role: 'admin' } })).status).toBe(
      401,
    )
    const [row] = await fx.sql`SELECT role FROM users WHERE id = ${user.id}`
    expect(row?.role).toBe('customer')
  })

  it('answers 404 for an unknown user, 400 for a malformed id or role, and 422 for the admin own role', async () => {
    const unknown = await setRole(admin.token, crypto.randomUUID(), { role: 'admin' })
    expect(unknown.status).toBe(404)
    expect((await setRole(admin.token, 'not-a-uuid', { role: 'admin' })).status).toBe(400)
    const { user } = await signedIn(fx.defaultApp)
    for (const json of [{ role: 'superuser' }, {}, { role: 'admin', email: 'x@example.com' }]) {
      expect((await setRole(admin.token, user.id, json)).status).toBe(400)
    }
    const own = await setRole(admin.token, admin.id, { role: 'customer' })
    expect(own.status).toBe(422)
    expect(await own.json()).toMatchObject({ detail: 'You cannot change your own role' })
  })
})
