import type { Hono } from 'hono'
import { createLogger, type Logger, type LogLevel } from '../log.ts'
import { readObservabilityEnv } from '../observability/env.ts'
import { createTelemetry, setProcessTelemetry, type Telemetry } from '../observability/telemetry.ts'
import {
  answerWhileStarting,
  type EarlyServer,
  IDLE_TIMEOUT_SECONDS,
  livenessRoutes,
} from './listen-first.ts'

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

/**
 * One way to run a service: env, then the HTTP server at once (so `/health` answers within milliseconds
 * while `/ready` says 503 until start-up is done), then connections, workers and the app, and a graceful
 * shutdown on SIGTERM or SIGINT in every phase: stop taking requests, let in-flight ones finish, then undo
 * each start-up step in reverse order (consumers commit, the outbox flushes, connections close), then exit.
 */
export async function runService<E extends ServiceEnv>(
  { service, readEnv, start }: ServiceDefinition<E>,
  early?: EarlyServer,
) {
  const env = readEnv()
  const log = createLogger({ service, level: env.LOG_LEVEL })
  const telemetry = createTelemetry({ service, ...readObservabilityEnv() })
  setProcessTelemetry(telemetry)
  // Registered first so it runs last: spans of the shutdown itself are exported too.
  const steps: [string, () => Promise<unknown> | unknown][] = [['telemetry', telemetry.shutdown]]
  let app: AnyApp | undefined
  let stopping = false

  const fetch = (request: Request, bunServer: Bun.Server<undefined>) => {
    if (isMetricsRequest(request)) return answerMetrics(telemetry)
    return app ? app.fetch(request, bunServer) : answerWhileStarting(service, request)
  }
  // The server listenFirst opened, when it listens where the env says; otherwise one of our own.
  const reuse = early && early.server.port === env.PORT && early.server.hostname === env.HOST
  if (early && !reuse) early.server.stop(true)
  const routes = livenessRoutes(service, 'starting')
  if (reuse) early.server.reload({ routes, fetch })
  const server = reuse
    ? early.server
    : Bun.serve({ port: env.PORT, hostname: env.HOST, idleTimeout: IDLE_TIMEOUT_SECONDS, routes, fetch })
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
  early?.release()

  try {
    app = await start({ env, log, telemetry, onStop: (name, stop) => steps.push([name, stop]) })
    if (!stopping) server.reload({ routes: livenessRoutes(service, 'ok'), fetch })
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
