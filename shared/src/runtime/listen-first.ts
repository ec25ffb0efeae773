import type { ServiceDefinition, ServiceEnv } from './run-service.ts'

/** Long enough for `Prefer: wait=10` and a slow client; Bun's default closes an idle request at 10 s. */
export const IDLE_TIMEOUT_SECONDS = 30
const STARTING_RETRY_AFTER_SECONDS = 1

/** The server listenFirst opened, which runService then serves the app from. */
export interface EarlyServer {
  server: ReturnType<typeof Bun.serve>
  /** Drops the exit-at-once signal handlers (runService installs its own, graceful ones). */
  release(): void
}

/**
 * `GET /health`, answered by Bun itself from a static response, in every phase: liveness needs no I/O and
 * no app, and this way it costs no JavaScript at all (the app's own route stays, for tests and the docs).
 * 200 throughout, with `"status": "starting"` until the app serves and `"ok"` after: the gateway's health
 * check routes to a process only once it says ok, so a replica that is still starting gets no requests.
 */
export const livenessRoutes = (service: string, status: 'starting' | 'ok') => ({
  '/health': { GET: Response.json({ status, service: `${service}-service` }) },
})

/** Answers while the service starts: liveness is fine, everything else is not there yet. */
export function answerWhileStarting(service: string, request: Request) {
  const { pathname } = new URL(request.url)
  if (pathname === '/health') return Response.json({ status: 'starting', service: `${service}-service` })
  const body = {
    type: '/problems/starting',
    title: 'Service Unavailable',
    status: 503,
    detail: `The ${service} service is starting`,
    request_id: request.headers.get('x-request-id') ?? crypto.randomUUID(),
  }
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: {
      'Content-Type': 'application/problem+json',
      'Retry-After': String(STARTING_RETRY_AFTER_SECONDS),
    },
  })
}

/** PORT and HOST as the env schema will read them, or undefined when PORT is not a port (readEnv will say why). */
function address() {
  const port = Number(process.env.PORT)
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined
  return { port, hostname: process.env.HOST || '127.0.0.1' }
}

/** The packages every service loads, heaviest last; a service adds its store's driver. */
const SHARED_PACKAGES = ['zod', 'hono', 'jose', 'prom-client', '@opentelemetry/sdk-trace-base', 'kafkajs']

/**
 * A service's entry point: listens before anything else is loaded, then loads the service and runs it.
 * Loading a service's code (zod, the drivers, OpenTelemetry, its routes) takes 250-300 ms, during which
 * the event loop answers nothing while one import is evaluated; this module imports none of it and loads
 * the heavy packages one at a time first, so `/health` is answered between them: within milliseconds of
 * listening, at worst after the largest one (the MongoDB driver, ~100 ms). SIGTERM or SIGINT while loading
 * ends the process at once: nothing has been opened yet.
 */
export async function listenFirst<E extends ServiceEnv>(
  service: string,
  load: () => Promise<ServiceDefinition<E>>,
  { packages = [] }: { packages?: string[] } = {},
) {
  const where = address()
  let early: EarlyServer | undefined
  if (where) {
    const server = Bun.serve({
      ...where,
      idleTimeout: IDLE_TIMEOUT_SECONDS,
      routes: livenessRoutes(service, 'starting'),
      fetch: (request) => answerWhileStarting(service, request),
    })
    const exitNow = () => process.exit(0)
    process.on('SIGTERM', exitNow)
    process.on('SIGINT', exitNow)
    early = {
      server,
      release: () => {
        process.off('SIGTERM', exitNow)
        process.off('SIGINT', exitNow)
      },
    }
  }
  for (const name of [...SHARED_PACKAGES, ...packages]) await import(name)
  const { runService } = await import('./run-service.ts')
  const definition = await load()
  await runService(definition, early)
}
