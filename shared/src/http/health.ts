import { Hono } from 'hono'
import type { AppEnv } from './app-env.ts'

export type ReadinessChecks = Record<string, () => Promise<unknown>>

const CHECK_TIMEOUT_MS = 2_000

const withTimeout = (check: () => Promise<unknown>) =>
  Promise.race([
    check(),
    new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS)),
  ])

/** `/health` is liveness with no I/O; `/ready` is 200 only when every dependency answers, else 503 naming those down. */
export const healthRoutes = (service: string, checks: ReadinessChecks) =>
  new Hono<AppEnv>()
    .get('/health', (c) => c.json({ status: 'ok', service: `${service}-service` }))
    .get('/ready', async (c) => {
      const names = Object.keys(checks)
      const results = await Promise.allSettled(
        names.map((name) => withTimeout(checks[name] as () => Promise<unknown>)),
      )
      const status = Object.fromEntries(
        names.map((name, i) => [name, results[i]?.status === 'fulfilled' ? 'up' : 'down']),
      )
      const down = names.filter((name) => status[name] === 'down')
      if (down.length === 0) return c.json({ status: 'ready', service: `${service}-service`, checks: status })
      return c.json({ status: 'unavailable', service: `${service}-service`, checks: status, down }, 503)
    })
