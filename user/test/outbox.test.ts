import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CE_HEADERS } from '@shop/shared/events/envelope'
import type { TappedMessage } from '@shop/shared/kafka/tap'
import { connectPostgres } from '@shop/shared/postgres/connect'
import { waitFor } from '@shop/shared/testing/wait-for'
import { startWorkers } from '../src/worker.ts'
import { type App, call, createHarness, type Harness, registration, TEST_RETENTION } from './harness.ts'

describe('user.created through the outbox and the real broker', () => {
  let fx: Harness
  let app: App
  let workers: ReturnType<typeof startWorkers>
  let tap: { messages: TappedMessage[]; stop: () => Promise<void> }

  // A broker busy with many test topics may not yet know a partition of a topic created a moment ago.
  const tapWhenReady = (topic: string) =>
    waitFor(() => fx.kafka.tap(topic), { timeoutMs: 30_000, intervalMs: 500, message: `a tap on ${topic}` })

  beforeAll(async () => {
    fx = await createHarness()
    await fx.kafka.start()
    workers = startWorkers({
      sql: fx.sql,
      kafka: fx.kafka,
      log: fx.log,
      keys: fx.keys,
      retention: TEST_RETENTION,
    })
    app = fx.app({ kafka: fx.kafka, wakeRelay: workers.wakeRelay })
    tap = await tapWhenReady('user.created')
  })
  afterAll(async () => {
    await tap?.stop()
    await workers.stop()
    await fx.kafka.disconnect()
    await fx.db.drop()
  })

  const registerWithId = (body: unknown, requestId: string) =>
    call(app, 'POST', '/api/v1/auth/register', { json: body, headers: { 'X-Request-Id': requestId } })
  const eventsFor = (email: string) =>
    tap.messages.filter((message) => JSON.parse(message.value ?? '{}').email === email)

  it('publishes one user.created per registration, keyed by the user id, with the CloudEvents headers', async () => {
    const body = registration()
    const res = await registerWithId(body, 'req-register-1')
    expect(res.status).toBe(201)
    const user = (await res.json()) as { id: string; created_at: string }
    const [message] = await waitFor(() => eventsFor(body.email).length > 0 && eventsFor(body.email), {
      message: 'the user.created event',
    })
    const [row] = await fx.sql`SELECT id, sent_at FROM outbox WHERE key = ${user.id}`
    expect(message?.key).toBe(user.id)
    expect(JSON.parse(message?.value ?? '')).toEqual({
      user_id: user.id,
      email: body.email,
      first_name: body.first_name,
      last_name: body.last_name,
      created_at: user.created_at,
    })
    expect(message?.headers).toMatchObject({
      [CE_HEADERS.specversion]: '1.0',
      [CE_HEADERS.id]: row?.id,
      [CE_HEADERS.type]: 'user.created',
      [CE_HEADERS.source]: '/user-service',
      [CE_HEADERS.correlationId]: 'req-register-1',
      [CE_HEADERS.contentType]: 'application/json',
    })
    expect(Number.isNaN(Date.parse(message?.headers[CE_HEADERS.time] ?? ''))).toBe(false)
    expect(fx.entries.some((entry) => entry.msg === 'Published event' && entry.key === user.id)).toBe(true)
    await waitFor(async () => (await fx.sql`SELECT sent_at FROM outbox WHERE key = ${user.id}`)[0]?.sent_at)
  })

  it('publishes nothing for a refused registration (duplicate in another case, invalid body)', async () => {
    const body = registration()
    expect((await registerWithId(body, 'req-first')).status).toBe(201)
    expect((await registerWithId({ ...body, email: body.email.toUpperCase() }, 'req-dup')).status).toBe(409)
    const weak = registration({ password: 'weak' })
    expect((await registerWithId(weak, 'req-weak')).status).toBe(400)
    // A later registration is published after the refused ones would have been: once it is there, they are not.
    const marker = registration()
    expect((await registerWithId(marker, 'req-marker')).status).toBe(201)
    await waitFor(() => eventsFor(marker.email).length === 1, { message: 'the marker event' })
    expect(eventsFor(body.email)).toHaveLength(1)
    expect(eventsFor(body.email)[0]?.headers[CE_HEADERS.correlationId]).toBe('req-first')
    expect(eventsFor(weak.email)).toHaveLength(0)
    const ids = tap.messages.map((message) => message.headers[CE_HEADERS.correlationId])
    expect(ids).not.toContain('req-dup')
    expect(ids).not.toContain('req-weak')
    const rows = await fx.sql`SELECT correlation_id FROM outbox ORDER BY seq`
    expect(rows.map((row) => row.correlation_id)).toEqual(['req-register-1', 'req-first', 'req-marker'])
  })

  it('answers /ready with 200 when PostgreSQL and Kafka answer, and /health without either', async () => {
    const ready = await app.request('/ready')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ checks: { postgres: 'up', kafka: 'up' } })
    expect(await (await app.request('/health')).json()).toEqual({ status: 'ok', service: 'user-service' })
  })

  it('answers /ready with 503 naming the store when PostgreSQL is unreachable', async () => {
    const unreachable = connectPostgres('postgres://postgres@127.0.0.1:1/users', { max: 1 })
    const broken = fx.app({ kafka: fx.kafka, sql: unreachable })
    const res = await broken.request('/ready')
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ down: ['postgres'] })
    await unreachable.end({ timeout: 1 })
  })

  it('publishes user.address_added with the address and user.address_removed, keyed by the user id', async () => {
    const [added, removed] = await Promise.all([
      tapWhenReady('user.address_added'),
      tapWhenReady('user.address_removed'),
    ])
    try {
      const user = (await (await registerWithId(registration(), 'req-address-owner')).json()) as {
        id: string
        email: string
      }
      const login = await call(app, 'POST', '/api/v1/auth/login', {
        json: { email: user.email, password: 'Passw0rd!' },
      })
      const { access_token } = (await login.json()) as { access_token: string }
      const address = { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' }
      const res = await call(app, 'POST', '/api/v1/users/me/addresses', {
        token: access_token,
        json: address,
        headers: { 'X-Request-Id': 'req-address-add' },
      })
      expect(res.status).toBe(201)
      const { id } = (await res.json()) as { id: string }
      const [message] = await waitFor(() => added.messages.length > 0 && added.messages, {
        message: 'user.address_added',
      })
      expect(message?.key).toBe(user.id)
      expect(message?.headers[CE_HEADERS.correlationId]).toBe('req-address-add')
      expect(JSON.parse(message?.value ?? '')).toEqual({
        user_id: user.id,
        address_id: id,
        address: { ...address, line2: null, state: null },
      })
      const gone = await call(app, 'DELETE', `/api/v1/users/me/addresses/${id}`, { token: access_token })
      expect(gone.status).toBe(204)
      const [removal] = await waitFor(() => removed.messages.length > 0 && removed.messages, {
        message: 'user.address_removed',
      })
      expect(removal?.key).toBe(user.id)
      expect(JSON.parse(removal?.value ?? '')).toEqual({ user_id: user.id, address_id: id })
      // Removing it again is a 404 and no second event.
      const again = await call(app, 'DELETE', `/api/v1/users/me/addresses/${id}`, { token: access_token })
      expect(again.status).toBe(404)
      const [rows] = await fx.sql`SELECT count(*)::int AS n FROM outbox WHERE topic = 'user.address_removed'`
      expect(rows?.n).toBe(1)
    } finally {
      await Promise.all([added.stop(), removed.stop()])
    }
  })
})
