import { mkdir } from 'node:fs/promises'
import { ROOT, run } from './stack.ts'

/** What one wrk run measured. */
export interface WrkResult {
  rps: number
  p50_ms: number
  p99_ms: number
  max_ms: number
  requests: number
  /** Answers with a status of 400 or more (wrk's own count). */
  non_2xx: number
  /** Connect, read, write errors and timeouts. */
  socket_errors: number
}

export interface WrkOptions {
  threads: number
  connections: number
  seconds: number
}

const SCRIPTS = `${ROOT}/.cache/bench/wrk`

/** Installs Debian's wrk when it is missing (as root, through the stack's apt helper) and says which it is. */
export async function ensureWrk(log: (line: string) => void) {
  if (!Bun.which('wrk')) {
    log("installing wrk from Debian's packages")
    const res = await run(['bash', '-c', 'source stack/lib.sh && apt_install wrk'])
    if (res.code !== 0 || !Bun.which('wrk')) throw new Error(`could not install wrk: ${res.stderr}`)
  }
  const { stdout, stderr } = await run(['wrk', '-v'])
  return `${stdout}${stderr}`.match(/wrk (\S+)/)?.[0] ?? 'wrk'
}

/**
 * A Lua script that rotates over the paths (one request template when there is only one, which wrk builds
 * once) and prints the summary as one JSON line.
 */
const script = (paths: string[]) => `
local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }
local i = 0
${
  paths.length > 1
    ? `request = function()
  i = i + 1
  return wrk.format(nil, paths[(i % #paths) + 1])
end`
    : `wrk.path = paths[1]`
}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"status":%d,"socket":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`

let scriptCount = 0

export async function runWrk(base: string, paths: string[], options: WrkOptions): Promise<WrkResult> {
  await mkdir(SCRIPTS, { recursive: true })
  const file = `${SCRIPTS}/case-${process.pid}-${scriptCount++}.lua`
  await Bun.write(file, script(paths))
  const res = await run([
    'wrk',
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '5s',
    '-s',
    file,
    base,
  ])
  const line = res.stdout.split('\n').find((l) => l.startsWith('WRK_JSON '))
  if (!line) throw new Error(`wrk printed no summary (exit ${res.code}): ${res.stdout}${res.stderr}`)
  const s = JSON.parse(line.slice('WRK_JSON '.length))
  return {
    rps: Math.round(s.requests / (s.duration_us / 1e6)),
    p50_ms: s.p50_us / 1000,
    p99_ms: s.p99_us / 1000,
    max_ms: s.max_us / 1000,
    requests: s.requests,
    non_2xx: s.status,
    socket_errors: s.socket,
  }
}
