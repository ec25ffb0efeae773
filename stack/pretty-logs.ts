// Follows the log files of `npm start` (bun stack/pretty-logs.ts name=path ...)
// from their current end, as `tail -F` would, and prints each new line: in a
// terminal as a readable line (time, process, level, message, the ids that
// matter, errors in colour); into a file or a pipe unchanged, one JSON object
// a line, so tools can still read them.
import { closeSync, openSync, readSync, statSync } from 'node:fs'

type Followed = { name: string; path: string; offset: number; partial: string }

const IDS = ['request_id', 'order_id', 'product_id', 'event_id', 'user_id', 'correlation_id'] as const
const REQUEST = ['method', 'path', 'status'] as const
const tty = process.stdout.isTTY === true
const colour = tty && !process.env.NO_COLOR
const paint = (code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text)
const LEVELS: Record<string, string> = { error: '31;1', fatal: '31;1', warn: '33', info: '32', debug: '2' }
const width = Math.max(...process.argv.slice(2).map((arg) => arg.split('=')[0]?.length ?? 0))

const followed: Followed[] = process.argv.slice(2).map((arg) => {
  const [name = arg, path = ''] = arg.split(/=(.*)/s)
  return { name, path, offset: sizeOf(path), partial: '' }
})

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

function clock(record: Record<string, unknown>): string {
  const at =
    typeof record.time === 'string'
      ? new Date(record.time)
      : typeof record.ts === 'number'
        ? new Date(record.ts * 1000)
        : new Date()
  return Number.isNaN(at.getTime()) ? '' : at.toISOString().slice(11, 23)
}

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

/** `Name: message` of a logged error object (its stack stays in the file). */
function errorText(error: unknown): string {
  if (typeof error !== 'object' || error === null) return text(error)
  const { name, message } = error as { name?: unknown; message?: unknown }
  if (typeof message !== 'string') return text(error)
  return typeof name === 'string' ? `${name}: ${message}` : message
}

/** One line for a terminal; a line that is not a JSON object is shown as it is. */
export function pretty(name: string, line: string): string {
  const label = paint('36', name.padEnd(width))
  let record: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(line)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object')
    record = parsed as Record<string, unknown>
  } catch {
    return `${' '.repeat(12)} ${label} ${line}`
  }
  const level = String(record.level ?? 'info').toLowerCase()
  const parts = [clock(record).padEnd(12), label, paint(LEVELS[level] ?? '0', level.toUpperCase().padEnd(5))]
  const msg = text(record.msg ?? record.message ?? '')
  parts.push(level === 'error' || level === 'fatal' ? paint('31', msg) : msg)
  if (record.msg === 'request') {
    const request = REQUEST.map((key) => record[key]).filter((value) => value !== undefined)
    parts.push(request.join(' '))
    if (typeof record.duration_ms === 'number') parts.push(`${record.duration_ms}ms`)
  }
  for (const key of IDS) if (record[key] !== undefined) parts.push(paint('2', `${key}=`) + text(record[key]))
  if (record.error !== undefined) parts.push(paint('31', `error=${errorText(record.error)}`))
  return parts.join(' ')
}

function readNew(file: Followed): string[] {
  const size = sizeOf(file.path)
  if (size < file.offset) file.offset = 0 // truncated or replaced: read it from the start
  if (size === file.offset) return []
  const buffer = Buffer.alloc(size - file.offset)
  const fd = openSync(file.path, 'r')
  try {
    readSync(fd, buffer, 0, buffer.length, file.offset)
  } finally {
    closeSync(fd)
  }
  file.offset = size
  const lines = (file.partial + buffer.toString('utf8')).split('\n')
  file.partial = lines.pop() ?? ''
  return lines.filter((line) => line !== '')
}

function poll(): void {
  const out: string[] = []
  for (const file of followed)
    for (const line of readNew(file)) out.push(tty ? pretty(file.name, line) : line)
  // A closed stdout (the reader went away) ends this follower; npm start notices.
  if (out.length > 0 && !process.stdout.write(`${out.join('\n')}\n`)) process.stdout.once('drain', () => {})
}

if (import.meta.main) {
  process.stdout.on('error', () => process.exit(0))
  setInterval(poll, 200)
}
