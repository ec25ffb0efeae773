import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type App, call, createHarness, type Harness, registration } from './harness.ts'

const LIMITS = { windowSeconds: 60, perClient: 3 }

describe('registration limits per client address', () => {
  let fx: Harness
  let app: App
  let clock = Date.now()
  beforeAll(async () => {
    fx = await createHarness()
    app = fx.app({ registrationLimits: LIMITS, now: () => new Date(clock) })
  })
  afterAll(() => fx.db.drop())

  const registerFrom = (address: string, body: unknown = registration(), target = app) =>
    call(target, 'POST', '/api/v1/auth/register', {
      json: body,
      headers: { 'X-Forwarded-For': `${crypto.randomUUID().slice(0, 8)}, ${address}` },
    })
  const countUsers = async () => (await fx.sql`SELECT count(*)::int AS n FROM users`)[0]?.n as number

  it('answers 429 with Retry-After past 3 registrations from one address, whatever the address claims before', async () => {
    const address = '198.51.100.10'
    for (let i = 0; i < 3; i++) expect((await registerFrom(address)).status).toBe(201)
    const users = await countUsers()
    const refused = await registerFrom(address)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Retry-After')).toBe('60')
    expect(await refused.json()).toMatchObject({ type: '/problems/too-many-requests', status: 429 })
    expect(await countUsers()).toBe(users)
    expect((await registerFrom('198.51.100.11')).status).toBe(201)
    clock += 30_000
    expect((await registerFrom(address)).headers.get('Retry-After')).toBe('30')
    clock += 31_000
    expect((await registerFrom(address)).status).toBe(201)
    clock += 61_000
  })

  it('counts refused and conflicting registrations too, so probing for taken emails is limited as well', async () => {
    const address = '198.51.100.20'
    const body = registration()
    expect((await registerFrom(address, body)).status).toBe(201)
    expect((await registerFrom(address, body)).status).toBe(409)
    expect((await registerFrom(address, body)).status).toBe(409)
    expect((await registerFrom(address, body)).status).toBe(429)
    clock += 61_000
  })

  it('shares the count between two apps on one database, as two processes share it', async () => {
    const other = fx.app({ registrationLimits: LIMITS, now: () => new Date(clock) })
    const address = '198.51.100.30'
    expect((await registerFrom(address, registration(), app)).status).toBe(201)
    expect((await registerFrom(address, registration(), other)).status).toBe(201)
    expect((await registerFrom(address, registration(), app)).status).toBe(201)
    expect((await registerFrom(address, registration(), other)).status).toBe(429)
    clock += 61_000
  })

  it('lets no more than 3 through when 10 registrations from one address arrive at once', async () => {
    const address = '198.51.100.40'
    const answers = await Promise.all(Array.from({ length: 10 }, () => registerFrom(address)))
    const statuses = answers.map((res) => res.status)
    expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(3)
    expect(statuses.filter((status) => status !== 201 && status !== 429)).toEqual([])
    clock += 61_000
  })

  it('answers a taken email with 409 before hashing: far quicker than one argon2id hash', async () => {
    const costly = { memoryCost: 65_536, timeCost: 3 }
    const slow = fx.app({ passwordCost: costly, now: () => new Date(clock) })
    const body = registration()
    const timed = async () => {
      const started = performance.now()
      const res = await registerFrom(`203.0.113.${Math.floor(Math.random() * 250)}`, body, slow)
      return { status: res.status, ms: performance.now() - started }
    }
    const first = await timed()
    expect(first.status).toBe(201)
    const conflicts = [await timed(), await timed(), await timed()]
    expect(conflicts.map((answer) => answer.status)).toEqual([409, 409, 409])
    const hashStarted = performance.now()
    await Bun.password.hash('Passw0rd!', { algorithm: 'argon2id', ...costly })
    const hashMs = performance.now() - hashStarted
    const fastest = Math.min(...conflicts.map((answer) => answer.ms))
    expect(fastest).toBeLessThan(hashMs / 2)
  })
})

describe('the client address behind proxies', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  const loginWith = (app: App, forwardedFor: string) =>
    call(app, 'POST', '/api/v1/auth/login', {
      json: { email: `${crypto.randomUUID()}@example.com`, password: 'Wrong123' },
      headers: { 'X-Forwarded-For': forwardedFor },
    })
  const clientOf = async (app: App, forwardedFor: string) => {
    expect((await loginWith(app, forwardedFor)).status).toBe(401)
    const [row] = await fx.sql`SELECT client FROM login_attempts ORDER BY id DESC LIMIT 1`
    return row?.client
  }

  it('counts by the last X-Forwarded-For entry, the one the gateway added', async () => {
    const app = fx.defaultApp
    expect(await clientOf(app, '1.2.3.4, 198.51.100.7')).toBe('198.51.100.7')
    expect(await clientOf(app, '198.51.100.8')).toBe('198.51.100.8')
    expect(await clientOf(app, ' ::ffff:198.51.100.9 ')).toBe('198.51.100.9')
  })

  it('with TRUSTED_PROXIES, walks from the right past the trusted ones to the first other entry', async () => {
    const app = fx.app({ trustedProxies: ['10.0.0.1', '10.0.0.2'] })
    expect(await clientOf(app, '1.2.3.4, 198.51.100.7, 10.0.0.2, 10.0.0.1')).toBe('198.51.100.7')
    expect(await clientOf(app, '198.51.100.7, 10.0.0.1')).toBe('198.51.100.7')
    // A client that claims to be a trusted proxy is still read past only when it is one: the leftmost stays.
    expect(await clientOf(app, '10.0.0.2, 10.0.0.1')).toBe('10.0.0.2')
    expect(await clientOf(app, '1.2.3.4, 198.51.100.7')).toBe('198.51.100.7')
  })
})
