import { mkdir } from 'node:fs/promises'
import { ROOT, sparePort } from './stack.ts'

const DIR = `${ROOT}/.cache/bench/caddy`

/**
 * A Caddy of its own in front of one upstream, with nothing but `reverse_proxy` (no matchers, no health
 * checks, no request-id header, logs at ERROR): the gateway's ceiling on this machine, to set the stack's
 * Caddyfile against.
 */
export async function startBareCaddy(upstream: string) {
  await mkdir(`${DIR}/config`, { recursive: true })
  await mkdir(`${DIR}/data`, { recursive: true })
  const port = sparePort()
  const file = `${DIR}/Caddyfile`
  await Bun.write(
    file,
    `{
\tadmin off
\tauto_https off
\tlog {
\t\tlevel ERROR
\t}
}

:${port} {
\tbind 127.0.0.1
\treverse_proxy ${upstream}
}
`,
  )
  const proc = Bun.spawn(['caddy', 'run', '--config', file, '--adapter', 'caddyfile'], {
    cwd: DIR,
    env: { ...process.env, HOME: DIR, XDG_CONFIG_HOME: `${DIR}/config`, XDG_DATA_HOME: `${DIR}/data` },
    stdout: Bun.file(`${DIR}/caddy.log`),
    stderr: Bun.file(`${DIR}/caddy.log`),
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    const up = await fetch(`${url}/health`)
      .then((res) => res.arrayBuffer().then(() => res.status === 200))
      .catch(() => false)
    if (up) break
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill()
      throw new Error(`a bare Caddy did not start; see ${DIR}/caddy.log`)
    }
    await Bun.sleep(50)
  }
  return {
    url,
    stop: async () => {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}
