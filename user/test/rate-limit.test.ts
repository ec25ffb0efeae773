import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type App, call, createHarness, type Harness, register } from './harness.ts'

const LIMITS = { windowSeconds: 60, failuresPerEmail: 3, attemptsPerClient: 6 }

describe('login rate limits', () => {
  let fx: Harness
  let app: App
  let clock = Date.now()
  beforeAll(async () => {
    fx = await createHarness()
    app = fx.app({ loginLimits: LIMITS, now: () => new Date(clock) })
  })
  afterAll(() => fx.db.drop())

  let nextAddress = 0
  let nextSpoof = 0
  const freshAddress = () => `198.51.100.${++nextAddress}`
  const attempt = (email: string, password: string, address = freshAddress()) =>
    call(app, 'POST', '/api/v1/auth/login', {
      json: { email, password },
      // What the gateway passes on: whatever the client claimed, then the address the gateway saw.
      headers: { 'X-Forwarded-For': `10.0.0.${++nextSpoof}, ${address}` },
    })
  const statuses = async (answers: (Response | Promise<Response>)[]) =>
    (await Promise.all(answers)).map((res) => res.status)

  it('refuses an account after 3 failures with 429 and Retry-After, even with the right password, until the window passes', async () => {
    const user = await register(app)
    for (let i = 0; i < 3; i++) expect((await attempt(user.email, 'Wrong123')).status).toBe(401)
    const refused = await attempt(user.email, user.password)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Retry-After')).toBe('60')
    expect(await refused.json()).toMatchObject({ type: '/problems/too-many-requests', status: 429 })
    clock += 45_000
    expect((await attempt(user.email, user.password)).headers.get('Retry-After')).toBe('15')
    clock += 16_000
    expect((await attempt(user.email, user.password)).status).toBe(200)
  })

  it('refuses an unknown email the same way, so a 429 does not tell whether the account exists', async () => {
    const email = 'nobody-here@example.com'
    expect(await statuses([1, 2, 3].map(() => attempt(email, 'Wrong123')))).toEqual([401, 401, 401])
    expect((await attempt(email, 'Wrong123')).status).toBe(429)
    clock += 61_000
  })

  it('counts failures only since the last successful login', async () => {
    const user = await register(app)
    for (let i = 0; i < 2; i++) expect((await attempt(user.email, 'Wrong123')).status).toBe(401)
    expect((await attempt(user.email, user.password)).status).toBe(200)
    for (let i = 0; i < 3; i++) expect((await attempt(user.email, 'Wrong123')).status).toBe(401)
    expect((await attempt(user.email, 'Wrong123')).status).toBe(429)
    clock += 61_000
  })

  it('refuses a client address after 6 attempts across accounts, by the last X-Forwarded-For entry, whatever comes before it', async () => {
    const user = await register(app)
    const address = '203.0.113.7'
    for (let i = 0; i < 5; i++)
      expect((await attempt(`other${i}@example.com`, 'Wrong123', address)).status).toBe(401)
    expect((await attempt(user.email, user.password, address)).status).toBe(200)
    const refused = await attempt(user.email, user.password, address)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0)
    expect((await attempt(user.email, user.password, '203.0.113.8')).status).toBe(200)
    clock += 61_000
    expect((await attempt(user.email, user.password, address)).status).toBe(200)
  })

  it('lets no more than 3 failures through when 12 attempts on one account arrive at once', async () => {
    const user = await register(app)
    const answers = await statuses(Array.from({ length: 12 }, () => attempt(user.email, 'Wrong123')))
    // Concurrent attempts may all be refused (each sees the others pending), but never more than 3 let through.
    expect(answers.filter((status) => status === 401).length).toBeLessThanOrEqual(3)
    expect(answers.filter((status) => status !== 401 && status !== 429)).toEqual([])
    const [failed] = await fx.sql`
      SELECT count(*)::int AS n FROM login_attempts WHERE email = ${user.email} AND outcome = 'failed'`
    expect(failed?.n).toBeLessThanOrEqual(3)
    clock += 61_000
  })

  it('falls back to the socket address when there is no X-Forwarded-For', async () => {
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch })
    try {
      const email = 'socket@example.com'
      const direct = () =>
        fetch(`http://127.0.0.1:${server.port}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: `${crypto.randomUUID()}@example.com`, password: 'Wrong123' }),
        })
      for (let i = 0; i < 6; i++) expect((await direct()).status).toBe(401)
      expect((await direct()).status).toBe(429)
      const [row] =
        await fx.sql`SELECT DISTINCT client FROM login_attempts WHERE email <> ${email} AND client LIKE '127.%'`
      expect(row?.client).toBe('127.0.0.1')
    } finally {
      server.stop(true)
    }
  })
})
