import { ROOT, type ServerStatus, stackStatus, staleServices } from '../bench/stack.ts'

/** The faults chaos injects into the running native stack, by `npm run status` name. */

export async function serverNamed(name: string): Promise<ServerStatus> {
  const server = (await stackStatus()).find((s) => s.name === name)
  if (!server?.running || !server.pid) throw new Error(`${name} is not running`)
  return server
}

/** SIGKILL, as a crash or an OOM kill would do it; resolves once the process is gone. */
export async function sigkill(name: string) {
  const { pid } = await serverNamed(name)
  process.kill(pid as number, 'SIGKILL')
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    try {
      process.kill(pid as number, 0)
    } catch {
      return pid as number
    }
    await Bun.sleep(20)
  }
  throw new Error(`${name} (pid ${pid}) still runs 10 s after SIGKILL`)
}

/**
 * Starts whatever of the stack is not running with the stack's own script (`bash stack/up`, which keeps the
 * running stack's shape and leaves running servers alone) and says how long that took.
 */
export async function restartStack() {
  const started = performance.now()
  const up = Bun.spawn(['bash', 'stack/up'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([
    new Response(up.stdout).text(),
    new Response(up.stderr).text(),
    up.exited,
  ])
  if (code !== 0) throw new Error(`bash stack/up failed (${code}): ${out}${err}`.slice(-2000))
  return performance.now() - started
}

/** The stack as chaos needs to know it: how many Kafka nodes and which processes of each service. */
export async function stackShape() {
  const servers = await stackStatus()
  const running = servers.filter((s) => s.running)
  const of = (kind: string) => running.filter((s) => s.name === kind || s.name.startsWith(`${kind}-`))
  return {
    servers,
    kafka: of('kafka').map((s) => s.name),
    replicas: (service: string) => of(service).map((s) => s.name),
    stopped: servers.filter((s) => !s.running).map((s) => s.name),
    /** Started before a change to their migrations: a restart would apply it under the other processes. */
    stale: process.env.CHAOS_RESTART_ANYWAY === '1' ? [] : (await staleServices(running)).schema,
  }
}
