import { mkdir } from 'node:fs/promises'
import { ROOT, rssMb, type Service, serviceEnv, sparePort } from './stack.ts'

export interface SpawnedProcess {
  pid: number
  port: number
  url: string
  /** From spawn to the first 200 on /health, and on /ready (undefined if it never got ready). */
  healthMs: number
  readyMs?: number
  rssMb(): Promise<number | undefined>
  stop(): Promise<void>
}

const STOP_TIMEOUT_MS = 20_000
const LOGS = `${ROOT}/.cache/bench/logs`

async function answers(url: string) {
  try {
    const res = await fetch(url)
    await res.arrayBuffer()
    return res.status === 200
  } catch {
    return false
  }
}

/** Polls until `url` answers 200; the elapsed ms since `since`, or undefined after the timeout. */
async function timeTo(url: string, since: number, timeoutMs: number, alive: () => boolean, everyMs: number) {
  while (performance.now() - since < timeoutMs) {
    if (await answers(url)) return performance.now() - since
    if (!alive()) return undefined
    await Bun.sleep(everyMs)
  }
  return undefined
}

async function stopProcess(proc: ReturnType<typeof Bun.spawn>) {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  proc.kill('SIGTERM')
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await proc.exited
  clearTimeout(timer)
}

/** Runs `bun <file>` with the given env and waits for its first stdout line (the ceiling app's port). */
export async function spawnPrinting(file: string, env: Record<string, string>) {
  const proc = Bun.spawn([`${ROOT}/node_modules/.bin/bun`, file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const reader = proc.stdout.getReader()
  let text = ''
  while (!text.includes('\n')) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`${file} exited before printing its port`)
    text += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  return { proc, firstLine: text.split('\n')[0] as string, stop: () => stopProcess(proc) }
}

/**
 * Starts one more process of a service on a spare port, the way the stack runs it (its env file, from its
 * own folder), and times its start: spawn → /health 200 → /ready 200. Its log goes under .cache/bench/logs.
 */
export async function spawnService(
  service: Service,
  overrides: Record<string, string> = {},
  { readyTimeoutMs = 60_000 } = {},
): Promise<SpawnedProcess> {
  await mkdir(LOGS, { recursive: true })
  const port = sparePort()
  const url = `http://127.0.0.1:${port}`
  const env = {
    ...process.env,
    ...(await serviceEnv(service)),
    NODE_NO_WARNINGS: '1',
    ...overrides,
    PORT: String(port),
  }
  const log = Bun.file(`${LOGS}/${service}-${port}.log`)
  const started = performance.now()
  const proc = Bun.spawn([`${ROOT}/node_modules/.bin/bun`, `${ROOT}/${service}/src/main.ts`], {
    cwd: `${ROOT}/${service}`,
    env,
    stdout: log,
    stderr: log,
  })
  const alive = () => proc.exitCode === null && proc.signalCode === null
  const healthMs = await timeTo(`${url}/health`, started, readyTimeoutMs, alive, 2)
  if (healthMs === undefined) {
    await stopProcess(proc)
    throw new Error(`${service} on port ${port} never answered /health; see ${LOGS}/${service}-${port}.log`)
  }
  const readyMs = await timeTo(`${url}/ready`, started, readyTimeoutMs, alive, 10)
  return {
    pid: proc.pid,
    port,
    url,
    healthMs,
    readyMs,
    rssMb: () => rssMb(proc.pid),
    stop: () => stopProcess(proc),
  }
}
