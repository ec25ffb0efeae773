import type { Hono } from 'hono'
import { createLogger, type Logger, type LogLevel } from '../log.ts'
import { readObservabilityEnv } from '../observability/env.ts'
import { createTelemetry, setProcessTelemetry, type Telemetry } from '../observability/telemetry.ts'

// biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env and routes
type AnyApp = Hono<any, any, any>

export interface ServiceEnv {
  PORT: number
  HOST: string
  LOG_LEVEL: LogLevel
}

export interface StartContext<E extends ServiceEnv> {
  env: E
  log: Logger
  /**
   * The process's metrics, tracer and health registry. connectMongo, connectResilientPostgres, createKafka,
   * the relay and the base app report into it by default; pass it on only where a helper is made otherwise.
   */
  telemetry: Telemetry
  /**
   * Registers how to undo a step of start-up (close a connection, stop a worker). On SIGTERM or SIGINT,
   * whenever it comes, the steps registered so far run in reverse order, so what started last stops first.
   */
  onStop(name: string, stop: () => Promise<unknown> | unknown): void
}

export interface ServiceDefinition<E extends ServiceEnv> {
  /** The service name without `-service`. */
  service: string
  readEnv: () => E
  /** Opens connections, starts workers and returns the app; nothing is served from it until it returns. */
  start: (context: StartContext<E>) => Promise<AnyApp>
}

/** Long enough for `Prefer: wait=10` and a slow client; Bun's default closes an idle request at 10 s. */
const IDLE_TIMEOUT_SECONDS = 30
const STARTING_RETRY_AFTER_SECONDS = 1

const METRICS_PATH = '/metrics'

/** `GET /metrics` on the service's own port, answered before the app (and while it starts). */
async function answerMetrics(telemetry: Telemetry) {
  const { contentType, body } = await telemetry.scrape()
  return new Response(body, { headers: { 'Content-Type': contentType } })
}

const isMetricsRequest = (request: Request) =>
  request.method === 'GET' &&
  request.url.endsWith(METRICS_PATH) &&
  new URL(request.url).pathname === METRICS_PATH

/** Answers while the service starts: liveness is fine, everything else is not there yet. */
function answerWhileStarting(service: string, request: Request) {
  const { pathname } = new URL(request.url)
  if (pathname === '/health') return Response.json({ status: 'ok', service: `${service}-service` })
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

/**
 * One way to run a service: env, then the HTTP server at once (so `/health` answers within milliseconds
 * while `/ready` says 503 until start-up is done), then connections, workers and the app, and a graceful
 * shutdown on SIGTERM or SIGINT in every phase: stop taking requests, let in-flight ones finish, then undo
 * each start-up step in reverse order (consumers commit, the outbox flushes, connections close), then exit.
 */
export async function runService<E extends ServiceEnv>({ service, readEnv, start }: ServiceDefinition<E>) {
  const env = readEnv()
  const log = createLogger({ service, level: env.LOG_LEVEL })
  const telemetry = createTelemetry({ service, ...readObservabilityEnv() })
  setProcessTelemetry(telemetry)
  // Registered first so it runs last: spans of the shutdown itself are exported too.
  const steps: [string, () => Promise<unknown> | unknown][] = [['telemetry', telemetry.shutdown]]
  let app: AnyApp | undefined
  let stopping = false

  const server = Bun.serve({
    port: env.PORT,
    hostname: env.HOST,
    idleTimeout: IDLE_TIMEOUT_SECONDS,
    fetch: (request, bunServer) => {
      if (isMetricsRequest(request)) return answerMetrics(telemetry)
      return app ? app.fetch(request, bunServer) : answerWhileStarting(service, request)
    },
  })
  log.info('HTTP server listening', { port: server.port })

  const stopAll = async () => {
    for (const [name, stop] of [...steps].reverse()) {
      try {
        await stop()
      } catch (error) {
        log.error('Shutdown step failed', { step: name, error })
      }
    }
  }

  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('Shutting down', { signal, started: app !== undefined })
    await server.stop()
    await stopAll()
    log.info('Stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))

  try {
    app = await start({ env, log, telemetry, onStop: (name, stop) => steps.push([name, stop]) })
    log.info('Service started')
  } catch (error) {
    if (stopping) return
    stopping = true
    log.error('Start-up failed', { error })
    server.stop(true)
    await stopAll()
    process.exit(1)
  }
}
