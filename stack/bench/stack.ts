import { readdir, stat } from 'node:fs/promises'

/** The running native stack as the bench and chaos tools see it: `npm run status`, env files, RSS. */
export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '')
export const SERVICES = ['product', 'order', 'inventory', 'user'] as const
/** A second native stack beside the first (STACK_DATA + STACK_PORT_OFFSET, as stack/up takes them). */
export const STACK_DATA = process.env.STACK_DATA ?? `${ROOT}/.cache/stack`
export const PORT_OFFSET = Number(process.env.STACK_PORT_OFFSET ?? 0)
export type Service = (typeof SERVICES)[number]

export interface ServerStatus {
  /** As `npm run status` names it: `kafka`, `kafka-2`, `order`, `order-2`, … */
  name: string
  running: boolean
  pid?: number
  port?: number
}

export async function run(cmd: string[], options: { env?: Record<string, string | undefined> } = {}) {
  const child = Bun.spawn(cmd, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { stdout, stderr, code }
}

/** `npm run status`, parsed: `order-2     running (pid 123, port 8101)`. */
export async function stackStatus(): Promise<ServerStatus[]> {
  const { stdout } = await run(['bash', 'stack/status'])
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [name = '', ...rest] = line.trim().split(/\s+/)
      const text = rest.join(' ')
      const pid = text.match(/pid (\d+)/)?.[1]
      const port = text.match(/port (\d+)/)?.[1]
      return {
        name,
        running: text.startsWith('running'),
        pid: pid ? Number(pid) : undefined,
        port: port ? Number(port) : undefined,
      }
    })
}

/** Runs `bash stack/up` unless every server already runs (it is a no-op then anyway, but slower). */
export async function ensureStackUp(log: (line: string) => void) {
  const before = await stackStatus()
  if (before.length > 0 && before.every((server) => server.running)) return before
  log('bringing the stack up (bash stack/up)')
  const up = Bun.spawn(['bash', 'stack/up'], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
  if ((await up.exited) !== 0) throw new Error('bash stack/up failed')
  return stackStatus()
}

/** KEY=value lines of a file (comments and blanks skipped), as the stack's scripts read them. */
export async function readEnvFile(path: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {}
  const text = await Bun.file(path).text()
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue
    const at = line.indexOf('=')
    if (at > 0) env[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  }
  return env
}

/**
 * The variables a service process of the stack runs with: what `stack/up` rendered for its first process
 * (the env file plus every Kafka node and the observability settings of the stack's shape), else the env
 * file itself.
 */
export async function serviceEnv(service: Service) {
  const rendered = `${STACK_DATA}/${service}/env`
  return readEnvFile((await Bun.file(rendered).exists()) ? rendered : `${ROOT}/stack/env/${service}.env`)
}

/** Resident set size of a process in MB (VmRSS), or undefined when it is gone. */
export async function rssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await Bun.file(`/proc/${pid}/status`).text()
    const kb = status.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1]
    return kb ? Math.round(Number(kb) / 102.4) / 10 : undefined
  } catch {
    return undefined
  }
}

/** RSS of every running server by its status name. */
export async function rssByServer(servers: ServerStatus[]) {
  const out: Record<string, number> = {}
  for (const server of servers) {
    if (!server.pid) continue
    const mb = await rssMb(server.pid)
    if (mb !== undefined) out[server.name] = mb
  }
  return out
}

/** A TCP port nobody listens on right now (the kernel's pick). */
export function sparePort() {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const { port } = listener
  listener.stop(true)
  return port
}

/** The replicas of a service that run, e.g. `order` and `order-2`. */
export const replicasOf = (servers: ServerStatus[], service: string) =>
  servers.filter((s) => s.running && (s.name === service || s.name.startsWith(`${service}-`)))

/** Newest modification time (ms) of the files, or of any file under the folders, tests aside. */
async function newestChange(folders: string[]) {
  let newest = 0
  for (const folder of folders) {
    const self = await stat(folder).catch(() => undefined)
    if (self?.isFile()) newest = Math.max(newest, self.mtimeMs)
    const names = self?.isDirectory() ? await readdir(folder, { recursive: true }) : []
    for (const name of names) {
      if (name.endsWith('.test.ts')) continue
      const info = await stat(`${folder}/${name}`).catch(() => undefined)
      if (info?.isFile()) newest = Math.max(newest, info.mtimeMs)
    }
  }
  return newest
}

/** When a running process started (epoch ms). */
async function startedAt(pid: number) {
  const { stdout } = await run(['ps', '-o', 'etimes=', '-p', String(pid)])
  return Date.now() - Number(stdout.trim()) * 1000
}

/**
 * How the stack's service processes compare with the checkout. `schema`: started before a change to their
 * migrations or the shared outbox DDL: one more process from the checkout would apply it under the running
 * one (it happened: an inventory process applied a new migration under the old inventory), so the sections
 * that spawn processes skip. `code`: started before a change to their code only: an extra process runs
 * newer code than the stack's, which the figures say.
 */
export async function staleServices(servers: ServerStatus[]) {
  const schema: string[] = []
  const code: string[] = []
  for (const server of servers) {
    const kind = server.name.replace(/-\d$/, '')
    if (!server.pid || !SERVICES.includes(kind as Service)) continue
    const since = (await startedAt(server.pid)) + 1000
    if ((await newestChange([`${ROOT}/${kind}/migrations`, `${ROOT}/shared/src/outbox/outbox.sql`])) > since)
      schema.push(server.name)
    else if ((await newestChange([`${ROOT}/${kind}/src`, `${ROOT}/shared/src`])) > since)
      code.push(server.name)
  }
  return { schema, code }
}
