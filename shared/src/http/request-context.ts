import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Logger } from '../log.ts'
import type { Telemetry } from '../observability/telemetry.ts'
import { extractContext } from '../observability/trace-context.ts'
import type { AppEnv } from './app-env.ts'

export const REQUEST_ID_HEADER = 'X-Request-Id'
const SAFE_ID = /^[\w.:-]{1,128}$/
/** Probes the gateway and orchestrators send every few seconds: timed, but no trace of their own each. */
const UNTRACED_PATHS = new Set(['/health', '/ready'])

/**
 * The route template that answered (`/api/v1/orders/:id`), never the raw path, so metric labels stay few;
 * `unmatched` when only middleware ran (a 404).
 */
function routeTemplate(c: Context) {
  const last = matchedRoutes(c).at(-1)
  if (!last || (last.method === 'ALL' && last.path.endsWith('*'))) return 'unmatched'
  return last.path
}

/**
 * Takes the caller's X-Request-Id (or mints one), echoes it, gives handlers a logger bound to it,
 * and writes one log line per request. The same id becomes the correlation id of any event it causes.
 * With telemetry, it also times the request by route template and, when tracing is on, runs the request in
 * a server span parented on the caller's `traceparent`, so any event it writes carries the trace on.
 */
export const requestContext =
  (log: Logger, telemetry?: Telemetry): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const given = c.req.header(REQUEST_ID_HEADER)
    const requestId = given && SAFE_ID.test(given) ? given : crypto.randomUUID()
    const requestLog = log.child({ request_id: requestId })
    c.set('requestId', requestId)
    c.set('log', requestLog)
    const started = performance.now()
    const tracer = UNTRACED_PATHS.has(c.req.path) ? undefined : telemetry?.tracer
    let route: string | undefined
    if (tracer) {
      const parent = extractContext(c.req.raw.headers)
      const span = tracer.startSpan(
        `${c.req.method} ${c.req.path}`,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path, request_id: requestId },
        },
        parent,
      )
      try {
        await context.with(trace.setSpan(parent, span), next)
      } finally {
        route = routeTemplate(c)
        span.updateName(`${c.req.method} ${route}`)
        span.setAttributes({ 'http.route': route, 'http.response.status_code': c.res.status })
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
        span.end()
      }
    } else {
      await next()
    }
    c.header(REQUEST_ID_HEADER, requestId)
    const seconds = (performance.now() - started) / 1000
    if (telemetry) {
      route ??= routeTemplate(c)
      telemetry.metrics.http.observe({ method: c.req.method, route, status: String(c.res.status) }, seconds)
    }
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round(seconds * 10_000) / 10,
    }
    if (c.res.status >= 500) requestLog.error('request', fields)
    else if (c.req.path !== '/health') requestLog.info('request', fields)
  }
