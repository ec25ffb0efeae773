import { describe, expect, it } from 'bun:test'
import { Hono } from 'hono'
import { z } from 'zod'
import { createMemoryLogger } from '../log.ts'
import type { AppEnv } from './app-env.ts'
import { createBaseApp } from './base-app.ts'
import { ConflictError } from './errors.ts'
import { validate } from './validate.ts'

const Widget = z.strictObject({ name: z.string().min(1).max(20), size: z.number().int().positive() })

function buildApp(ready = async () => undefined) {
  const { log, entries } = createMemoryLogger('widget')
  const app = createBaseApp({ service: 'widget', log, ready: { store: ready } })
  app.post('/widgets', validate('json', Widget), (c) => c.json(c.req.valid('json'), 201))
  app.get('/widgets', (c) => c.json([]))
  app.get('/taken', () => {
    throw new ConflictError('That name is taken')
  })
  app.get('/boom', () => {
    throw new Error('secret internals')
  })
  return { app, entries }
}

const postJson = (body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  new Request('http://x/widgets', { method: 'POST', body, headers })

describe('the base app every service is built on', () => {
  it('answers /health without I/O and /ready with each dependency', async () => {
    const { app } = buildApp()
    expect(await (await app.request('/health')).json()).toEqual({ status: 'ok', service: 'widget-service' })
    const ready = await app.request('/ready')
    expect(ready.status).toBe(200)
  })

  it('answers /ready with 503 naming the dependency that is down', async () => {
    const { app } = buildApp(async () => {
      throw new Error('connection refused')
    })
    const res = await app.request('/ready')
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ down: ['store'], checks: { store: 'down' } })
  })

  it('echoes the caller request id, mints one otherwise, and logs one line per request', async () => {
    const { app, entries } = buildApp()
    const given = await app.request('/widgets', { headers: { 'X-Request-Id': 'abc-123' } })
    expect(given.headers.get('X-Request-Id')).toBe('abc-123')
    const minted = await app.request('/widgets')
    expect(minted.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
    const lines = entries.filter((entry) => entry.msg === 'request')
    expect(lines[0]).toMatchObject({ request_id: 'abc-123', method: 'GET', path: '/widgets', status: 200 })
    expect(lines).toHaveLength(2)
  })

  it('answers both /widgets and /widgets/, also for a mounted sub-app', async () => {
    const { app } = buildApp()
    app.route(
      '/api/v1/gadgets',
      new Hono<AppEnv>().get('/', (c) => c.text('list')).get('/:id', (c) => c.text('one')),
    )
    for (const path of ['/api/v1/gadgets', '/api/v1/gadgets/'])
      expect(await (await app.request(path)).text()).toBe('list')
    expect(await (await app.request('/api/v1/gadgets/7')).text()).toBe('one')
    expect((await app.request('/api/v1/gadgetsX')).status).toBe(404)
    expect((await app.request('/widgets/')).status).toBe(200)
  })

  it('renders a validation failure as a 400 problem with the field errors', async () => {
    const { app } = buildApp()
    const res = await app.request(postJson(JSON.stringify({ name: '', size: 2, extra: true })))
    expect(res.status).toBe(400)
    expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    const body = (await res.json()) as { errors: { path: string }[]; request_id: unknown }
    expect(body).toMatchObject({ type: '/problems/validation', status: 400, title: 'Invalid request' })
    expect(body.request_id).toBeString()
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['', 'name'])
  })

  it('answers malformed JSON with a 400 problem', async () => {
    const { app } = buildApp()
    const res = await app.request(postJson('{"name": '))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ status: 400, detail: 'Malformed JSON in request body' })
  })

  it('answers a JSON route called without a JSON Content-Type with 415', async () => {
    const { app } = buildApp()
    const res = await app.request(postJson('{"name":"a","size":1}', { 'Content-Type': 'text/plain' }))
    expect(res.status).toBe(415)
    expect((await app.request(postJson('{"name":"a","size":1}', {}))).status).toBe(415)
  })

  it('renders typed errors with their status and unknown errors as a 500 without internals', async () => {
    const { app, entries } = buildApp()
    const conflict = await app.request('/taken')
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toMatchObject({ type: '/problems/conflict', detail: 'That name is taken' })
    const boom = await app.request('/boom')
    expect(boom.status).toBe(500)
    expect(await boom.text()).not.toContain('secret internals')
    expect(entries.some((entry) => entry.msg === 'Unhandled error')).toBe(true)
  })

  it('answers an unknown route with a problem+json 404', async () => {
    const { app } = buildApp()
    const res = await app.request('/nowhere')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({
      type: '/problems/not-found',
      detail: 'No route for GET /nowhere',
    })
  })

  it('refuses a body over 1 MiB with 413', async () => {
    const { app } = buildApp()
    const res = await app.request(postJson(JSON.stringify({ name: 'x'.repeat(1_100_000), size: 1 })))
    expect(res.status).toBe(413)
  })
})
