import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { testServers } from '@shop/shared/testing/servers'
import { waitFor } from '@shop/shared/testing/wait-for'

setDefaultTimeout(30_000)

const PORT = 18_751

describe('the product process starting against a MongoDB that does not answer', () => {
  it('answers /health at once (saying it is starting) and /ready 503 while it starts, and stops at once on SIGTERM', async () => {
    const child = Bun.spawn([process.execPath, `${import.meta.dir}/../src/main.ts`], {
      env: {
        ...process.env,
        PORT: String(PORT),
        HOST: '127.0.0.1',
        MONGO_URL: 'mongodb://127.0.0.1:1/products',
        KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
        JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
        LOG_LEVEL: 'error',
      },
      stdout: 'ignore',
      stderr: 'ignore',
    })
    try {
      const url = `http://127.0.0.1:${PORT}`
      const health = await waitFor(() => fetch(`${url}/health`).catch(() => undefined), { intervalMs: 5 })
      expect(health.status).toBe(200)
      // Live (200), but not serving yet: the gateway routes only to a process whose status is ok.
      expect(await health.json()).toEqual({ status: 'starting', service: 'product-service' })
      const ready = await fetch(`${url}/ready`)
      expect(ready.status).toBe(503)
      const list = await fetch(`${url}/api/v1/products`)
      expect(list.status).toBe(503)
      expect(list.headers.get('Content-Type')).toBe('application/problem+json')

      const stopping = performance.now()
      child.kill('SIGTERM')
      expect(await child.exited).toBe(0)
      // Far less than the 10 s MongoDB connection timeout it was waiting on.
      expect(performance.now() - stopping).toBeLessThan(5_000)
    } finally {
      child.kill('SIGKILL')
    }
  })
})
