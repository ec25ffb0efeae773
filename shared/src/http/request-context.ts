import type { MiddlewareHandler } from 'hono'
import type { Logger } from '../log.ts'
import type { AppEnv } from './app-env.ts'

export const REQUEST_ID_HEADER = 'X-Request-Id'
const SAFE_ID = /^[\w.:-]{1,128}$/

/**
 * Takes the caller's X-Request-Id (or mints one), echoes it, gives handlers a logger bound to it,
 * and writes one log line per request. The same id becomes the correlation id of any event it causes.
 */
export const requestContext =
  (log: Logger): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const given = c.req.header(REQUEST_ID_HEADER)
    const requestId = given && SAFE_ID.test(given) ? given : crypto.randomUUID()
    const requestLog = log.child({ request_id: requestId })
    c.set('requestId', requestId)
    c.set('log', requestLog)
    const started = performance.now()
    await next()
    c.header(REQUEST_ID_HEADER, requestId)
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
    }
    if (c.res.status >= 500) requestLog.error('request', fields)
    else if (c.req.path !== '/health') requestLog.info('request', fields)
  }
