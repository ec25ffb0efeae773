import { waitFor } from '@shop/shared/testing/wait-for'
import type { Subprocess } from 'bun'
import type { Harness } from './harness.ts'

const ENTRY = new URL('./replica-process.ts', import.meta.url).pathname
const START_TIMEOUT_MS = 45_000

export interface ReplicaOptions {
  groupId: string
  relayLeaseMs?: number
  decisionTimeoutSeconds?: number
}

/** A free loopback port: the kernel picks one for a throwaway server. */
const freePort = () => {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = server.port as number
  server.stop(true)
  return port
}

/**
 * Starts a real second (or third) process of the order service on the harness's database, topics and JWKS,
 * and waits until its /ready is 200 (store, broker and a caught-up catalogue). Its log lines are kept.
 */
export async function startReplica(
  h: Harness,
  { groupId, relayLeaseMs, decisionTimeoutSeconds }: ReplicaOptions,
) {
  const port = freePort()
  const lines: Record<string, unknown>[] = []
  const child: Subprocess<'ignore', 'pipe', 'inherit'> = Bun.spawn([process.execPath, ENTRY], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      MONGO_URL: h.mongo.url,
      KAFKA_BROKERS: h.brokers.join(','),
      JWKS_URL: h.issuer.jwksUrl,
      ORDER_DECISION_TIMEOUT_SECONDS: String(decisionTimeoutSeconds ?? 120),
      TEST_TOPIC_PREFIX: h.topicPrefix,
      TEST_GROUP_ID: groupId,
      ...(relayLeaseMs ? { TEST_RELAY_LEASE_MS: String(relayLeaseMs) } : {}),
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      NODE_NO_WARNINGS: '1',
    },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  void (async () => {
    const decoder = new TextDecoder()
    let rest = ''
    for await (const chunk of child.stdout) {
      rest += decoder.decode(chunk)
      const parts = rest.split('\n')
      rest = parts.pop() ?? ''
      for (const line of parts) {
        try {
          lines.push(JSON.parse(line))
        } catch {
          lines.push({ msg: line })
        }
      }
    }
  })()
  const url = `http://127.0.0.1:${port}`
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}`)
      return (await fetch(`${url}/ready`)).status === 200
    },
    { timeoutMs: START_TIMEOUT_MS, intervalMs: 200, message: `replica on ${port} to be ready` },
  )

  const call = async (
    method: string,
    path: string,
    { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
  }

  return {
    url,
    lines,
    call,
    /** SIGTERM and wait: the replica stops as the service does (offsets committed, relay flushed). */
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await child.exited
    },
    /** SIGKILL: the replica dies mid-work, as in a crash. */
    async kill() {
      child.kill('SIGKILL')
      await child.exited
    },
  }
}

export type Replica = Awaited<ReturnType<typeof startReplica>>
