import { type logCreator, logLevel } from 'kafkajs'
import type { Logger } from '../log.ts'

// kafkajs reports routine, self-healing conditions (rebalances, coordinator moves, a topic that already
// exists) at ERROR; logging them as errors would hide real failures, so they are demoted.
const ROUTINE = [/rebalanc/i, /coordinator/i, /already exists/i, /leader/i, /Connection timeout/i]

export const kafkaLogCreator =
  (log: Logger): logCreator =>
  () =>
  ({ namespace, level, log: entry }) => {
    const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry
    const routine = entry.retriable === true || ROUTINE.some((pattern) => pattern.test(String(message)))
    const context = { component: `kafkajs.${namespace}`, ...fields }
    if (level === logLevel.ERROR && !routine) log.error(message, context)
    else if (level <= logLevel.WARN) log.warn(message, context)
    else if (level === logLevel.INFO) log.info(message, context)
    else log.debug(message, context)
  }
