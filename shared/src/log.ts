export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  child(fields: LogFields): Logger
}

export interface LoggerOptions {
  service: string
  level?: LogLevel
  write?: (line: string) => void
}

const rank = (level: LogLevel) => LOG_LEVELS.indexOf(level)

const serializeError = (value: unknown): unknown =>
  value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value

/** A JSON-lines logger: one object per line, `time`, `level`, `service`, `msg`, then the fields. */
export function createLogger(
  { service, level = 'info', write }: LoggerOptions,
  bound: LogFields = {},
): Logger {
  const out = write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (rank(lvl) < rank(level)) return
    const entry: LogFields = { time: new Date().toISOString(), level: lvl, service, msg, ...bound }
    for (const [key, value] of Object.entries(fields ?? {})) entry[key] = serializeError(value)
    out(JSON.stringify(entry))
  }
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger({ service, level, write: out }, { ...bound, ...fields }),
  }
}

/** For tests: a logger that keeps its entries in memory so a test can assert on what was logged. */
export function createMemoryLogger(service = 'test') {
  const entries: LogFields[] = []
  const log = createLogger({ service, level: 'debug', write: (line) => entries.push(JSON.parse(line)) })
  return { log, entries }
}
