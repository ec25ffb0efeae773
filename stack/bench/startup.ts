import { spawnService } from './processes.ts'
import type { Row } from './report.ts'
import { SERVICES } from './stack.ts'
import { round } from './stats.ts'

/**
 * Process start → /health (and → /ready) for one more process of each service, on a spare port with the
 * stack's env file. Order and inventory processes join their consumer groups for a moment (a rebalance of
 * the stack's own consumers), so this runs after the load. The process runs the checkout's code, which is
 * what the stack runs once it was restarted after the last change.
 */
/** An extra order or inventory process shares its consumer groups while it runs: keep that short. */
const READY_TIMEOUT_MS = 20_000

export async function startupBench(log: (line: string) => void) {
  const rows: Row[] = []
  for (const service of SERVICES) {
    log(`start-up: ${service}`)
    try {
      const proc = await spawnService(service, {}, { readyTimeoutMs: READY_TIMEOUT_MS })
      const idle = await proc.rssMb()
      await proc.stop()
      rows.push({
        id: `startup.${service}`,
        label: `start → /health: ${service}`,
        value: round(proc.healthMs, 0),
        unit: 'ms',
        note: `→ /ready ${proc.readyMs === undefined ? `not within ${READY_TIMEOUT_MS / 1000} s` : `${round(proc.readyMs, 0)} ms`}; RSS when ready ${idle ?? '?'} MB`,
      })
    } catch (error) {
      rows.push({
        id: `startup.${service}`,
        label: `start → /health: ${service}`,
        value: null,
        unit: 'ms',
        note: (error as Error).message,
      })
    }
  }
  return rows
}
