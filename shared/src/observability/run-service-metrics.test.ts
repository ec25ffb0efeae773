import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { waitFor } from '../testing/wait-for.ts'
import { parsePrometheusText, sampleValue } from './prometheus-text.ts'

const port = 20_000 + Math.floor(Math.random() * 20_000)
const base = `http://127.0.0.1:${port}`

describe('a service run by runService', () => {
  let service: ReturnType<typeof Bun.spawn>

  beforeAll(async () => {
    service = Bun.spawn([process.execPath, join(import.meta.dir, 'fixtures', 'tiny-service.ts')], {
      env: { ...process.env, PORT: String(port), TRACE_SAMPLE_RATIO: '1' },
      stdout: 'ignore',
      stderr: 'inherit',
    })
    await waitFor(async () => (await fetch(`${base}/ready`)).status === 200, { message: 'the service' })
  })
  afterAll(async () => {
    service.kill('SIGTERM')
    await service.exited
  })

  it('says ok on /health once it serves its app (the gateway routes to it only then)', async () => {
    const response = await fetch(`${base}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', service: 'widget-service' })
  })

  it('serves Prometheus text on /metrics on its own port, with the traffic it has seen', async () => {
    for (const id of ['1', '2', '3']) expect((await fetch(`${base}/widgets/${id}`)).status).toBe(200)
    const response = await fetch(`${base}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toStartWith('text/plain; version=0.0.4')
    const samples = parsePrometheusText(await response.text())
    const requests = { service: 'widget', method: 'GET', route: '/widgets/:id', status: '200' }
    expect(sampleValue(samples, 'http_request_duration_seconds_count', requests)).toBe(3)
    expect(sampleValue(samples, 'process_resident_memory_bytes', { service: 'widget' })).toBeGreaterThan(0)
  })
})
