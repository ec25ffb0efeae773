import type { Hono } from 'hono'
import type { Logger } from '../log.ts'

export type ShutdownStep = [name: string, stop: () => Promise<unknown> | unknown]

/**
 * Serves the app and, on SIGTERM or SIGINT, shuts down in order: stop taking requests and let in-flight ones
 * finish, then each step (consumers commit, the outbox flushes, connections close), then exit.
 */
export function serveUntilSignal({
  app,
  port,
  hostname,
  log,
  steps,
}: {
  // biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env and routes
  app: Hono<any, any, any>
  port: number
  hostname: string
  log: Logger
  steps: ShutdownStep[]
}) {
  const server = Bun.serve({ port, fetch: app.fetch, hostname })
  log.info('HTTP server listening', { port: server.port })
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('Shutting down', { signal })
    await server.stop()
    for (const [name, stop] of steps) {
      try {
        await stop()
      } catch (error) {
        log.error('Shutdown step failed', { step: name, error })
      }
    }
    log.info('Stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  return server
}
