import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { call, createHarness, type Harness, newEmail, registration, SEED_ADMIN } from './harness.ts'

describe('POST /api/v1/auth/register', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  const registerRaw = (json: unknown, headers?: Record<string, string>) =>
    call(fx.defaultApp, 'POST', '/api/v1/auth/register', { json, headers })
  const countUsers = async () => (await fx.sql`SELECT count(*)::int AS n FROM users`)[0]?.n as number
  const countOutbox = async () => (await fx.sql`SELECT count(*)::int AS n FROM outbox`)[0]?.n as number

  it('answers 201 with the user as SYSTEM.md shapes it, and never the password or its hash', async () => {
    const body = registration({ phone: '+44 20 7946 0958' })
    const res = await registerRaw(body)
    expect(res.status).toBe(201)
    const user = (await res.json()) as Record<string, unknown>
    expect(Object.keys(user).sort()).toEqual(
      [
        'addresses',
        'created_at',
        'email',
        'first_name',
        'id',
        'is_active',
        'last_name',
        'phone',
        'role',
      ].sort(),
    )
    expect(user).toMatchObject({
      email: body.email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      phone: '+44 20 7946 0958',
      role: 'customer',
      is_active: true,
      addresses: [],
    })
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(new Date(user.created_at as string).toISOString()).toBe(user.created_at as string)
    const [row] = await fx.sql`SELECT password_hash FROM users WHERE id = ${user.id as string}`
    expect(row?.password_hash).toStartWith('$argon2id$')
    expect(row?.password_hash).not.toContain(body.password)
  })

  it('registers the seed body as a customer: no email makes an admin by registering', async () => {
    const res = await registerRaw(SEED_ADMIN)
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ email: 'admin@example.com', role: 'customer', phone: null })
  })

  it('keeps the email in lower case and answers 409 to the same email in any letter case', async () => {
    const email = newEmail()
    const first = await registerRaw(registration({ email: `  ${email.toUpperCase()} ` }))
    expect(first.status).toBe(201)
    expect(await first.json()).toMatchObject({ email })
    const [users, outbox] = [await countUsers(), await countOutbox()]
    for (const variant of [email, email.toUpperCase(), `${email[0]?.toUpperCase()}${email.slice(1)}`]) {
      const again = await registerRaw(registration({ email: variant }))
      expect(again.status).toBe(409)
      expect(again.headers.get('Content-Type')).toBe('application/problem+json')
      expect(await again.json()).toMatchObject({
        type: '/problems/conflict',
        status: 409,
        detail: 'An account with this email already exists',
      })
    }
    expect(await countUsers()).toBe(users)
    expect(await countOutbox()).toBe(outbox)
  })

  it('answers the same request twice with 201 then 409, and one user', async () => {
    const body = registration()
    const answers = await Promise.all([registerRaw(body), registerRaw(body)])
    expect(answers.map((res) => res.status).sort()).toEqual([201, 409])
    const [row] = await fx.sql`SELECT count(*)::int AS n FROM users WHERE email = ${body.email}`
    expect(row?.n).toBe(1)
  })

  it('answers 400 for a password that breaks the policy, saying what is missing', async () => {
    const cases: [string, string][] = [
      ['Ab1', 'must be at least 8 characters'],
      ['alllower1', 'must contain an upper-case letter'],
      ['ALLUPPER1', 'must contain a lower-case letter'],
      ['NoDigitsHere', 'must contain a digit'],
      [`Aa1${'x'.repeat(126)}`, 'must be at most 128 characters'],
    ]
    for (const [password, message] of cases) {
      const res = await registerRaw(registration({ password }))
      expect(res.status).toBe(400)
      const problem = (await res.json()) as { errors: { path: string; message: string }[] }
      expect(problem.errors).toContainEqual({ path: 'password', message })
    }
  })

  it('answers 400 and writes nothing for a bad email, over-long or empty fields, a bad phone, unknown fields', async () => {
    const before = [await countUsers(), await countOutbox()]
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'not-an-email' }, 'email'],
      [{ email: `${'a'.repeat(250)}@example.com` }, 'email'],
      [{ first_name: '' }, 'first_name'],
      [{ first_name: '   ' }, 'first_name'],
      [{ last_name: 'x'.repeat(101) }, 'last_name'],
      [{ phone: 'call me' }, 'phone'],
      [{ phone: '1'.repeat(40) }, 'phone'],
      [{ role: 'admin' }, ''],
      [{ is_active: false }, ''],
      [{ first_name: 42 }, 'first_name'],
    ]
    for (const [overrides, path] of cases) {
      const res = await registerRaw(registration(overrides))
      expect(res.status).toBe(400)
      const problem = (await res.json()) as { type: string; errors: { path: string }[] }
      expect(problem.type).toBe('/problems/validation')
      expect(problem.errors.map((error) => error.path)).toContain(path)
    }
    const { email: _email, ...withoutEmail } = registration()
    expect((await registerRaw(withoutEmail)).status).toBe(400)
    expect((await registerRaw([registration()])).status).toBe(400)
    expect([await countUsers(), await countOutbox()]).toEqual(before)
  })

  it('answers 400 for malformed JSON and 415 for a missing or non-JSON Content-Type', async () => {
    const users = await countUsers()
    const malformed = await fx.defaultApp.request('/api/v1/auth/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"email": "a@example.com",',
    })
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ detail: 'Malformed JSON in request body' })
    // Bytes, not a string: a string body would get text/plain from Request itself.
    const body = new TextEncoder().encode(JSON.stringify(registration()))
    const contentTypes = [undefined, 'text/plain', 'application/x-www-form-urlencoded']
    for (const type of contentTypes) {
      const headers: Record<string, string> = type ? { 'Content-Type': type } : {}
      const res = await fx.defaultApp.request('/api/v1/auth/register', { method: 'POST', headers, body })
      expect(res.status).toBe(415)
      expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    }
    expect(await countUsers()).toBe(users)
  })
})
