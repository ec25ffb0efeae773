import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { openApiRoute } from '../docs/docs-routes.ts'
import type { OpenApiDocument } from '../docs/openapi.ts'
import type { Logger } from '../log.ts'
import { resolveTelemetry, type Telemetry } from '../observability/telemetry.ts'
import type { AppEnv } from './app-env.ts'
import { AppError } from './errors.ts'
import { healthRoutes, type ReadinessChecks } from './health.ts'
import { notFoundHandler, problemHandler } from './problem.ts'
import { requestContext } from './request-context.ts'

const MAX_BODY_BYTES = 1024 * 1024

export interface BaseAppOptions {
  /** The service name without `-service`. */
  service: string
  log: Logger
  ready: ReadinessChecks
  /** Request metrics, server spans and the `consumers`/`relay` checks; by default the process's (runService). */
  telemetry?: Telemetry | null
  /** The service's own OpenAPI document, served at `/openapi.json`. */
  openapi?: OpenApiDocument
}

/**
 * The root app of a service: request ids and logging, a body size limit, `/health` and `/ready`, and the one
 * problem+json error handler. `strict: false` makes `/products` and `/products/` the same route. `/ready`
 * also goes down when a consumer of the process has crashed or its relay is stuck (see observability/health).
 */
export function createBaseApp({ service, log, ready, telemetry: given, openapi }: BaseAppOptions) {
  const telemetry = resolveTelemetry(given)
  const checks: ReadinessChecks = { ...ready }
  telemetry?.health.attach(checks)
  const app = new Hono<AppEnv>({ strict: false })
  app.use(requestContext(log, telemetry))
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new AppError(413, 'payload-too-large', 'Payload Too Large', 'The request body is over 1 MiB')
      },
    }),
  )
  app.route('/', healthRoutes(service, checks))
  if (openapi) app.route('/', openApiRoute(openapi))
  app.onError(problemHandler(log))
  app.notFound(notFoundHandler)
  return app
}
