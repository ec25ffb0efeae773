import type { Logger } from '../log.ts'
import { sleep } from './sleep.ts'

export interface PeriodicTask {
  name: string
  /** Does one round of work (for example deletes rows past their retention); returns how many it handled. */
  run: () => Promise<number>
}

/**
 * Runs each task every `intervalMs` until stopped (pruning old rows, deciding overdue orders). A failed round
 * is logged and tried again next time; two processes running the same task must be harmless, so tasks are
 * written as idempotent deletes or guarded writes.
 */
export function startPeriodic({
  tasks,
  intervalMs,
  log,
}: {
  tasks: PeriodicTask[]
  intervalMs: number
  log: Logger
}) {
  const stopping = new AbortController()
  const loop = async () => {
    while (!stopping.signal.aborted) {
      await sleep(intervalMs, stopping.signal)
      for (const task of tasks) {
        if (stopping.signal.aborted) break
        try {
          const handled = await task.run()
          if (handled > 0) log.info('Periodic task done', { task: task.name, handled })
        } catch (error) {
          log.warn('Periodic task failed; will try again', { task: task.name, error })
        }
      }
    }
  }
  const running = loop()
  return {
    async stop() {
      stopping.abort()
      await running
    },
  }
}
