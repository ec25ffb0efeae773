import { join } from 'node:path'
import { uniqueName } from '@shop/shared/testing/names'
import { testServers } from '@shop/shared/testing/servers'
import { waitFor } from '@shop/shared/testing/wait-for'
import { SEED_ADMIN } from './harness.ts'

const MAIN = join(import.meta.dir, '..', 'src', 'main.ts')

const freePort = () => {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const { port } = probe
  probe.stop(true)
  return port
}

/** A real user-service process (bun user/src/main.ts) on a free port, on the given database. */
export function startUserProcess(databaseUrl: string, extra: Record<string, string> = {}) {
  const port = freePort()
  const child = Bun.spawn([process.execPath, MAIN], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
      LOG_LEVEL: 'info',
      // Topics of this test's own: a test leaves no user.created on the shared broker's real topics.
      KAFKA_TOPIC_PREFIX: `${uniqueName('t')}.`,
      ADMIN_EMAIL: SEED_ADMIN.email,
      ADMIN_PASSWORD: SEED_ADMIN.password,
      ...extra,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const base = `http://127.0.0.1:${port}`
  const ready = () =>
    waitFor(async () => (await fetch(`${base}/ready`)).status === 200, { message: 'the service to be ready' })
  const stop = async () => {
    child.kill('SIGTERM')
    return child.exited
  }
  return { child, base, port, ready, stop }
}

export type UserProcess = ReturnType<typeof startUserProcess>

export async function loginOver(base: string, email: string, password: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as { access_token: string; refresh_token: string }
}
