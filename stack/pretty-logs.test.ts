// npm start's log follower, run for real: into a pipe it passes the services'
// JSON lines through unchanged (from the end of each file, as tail -F), and
// the terminal form shows time, process, level, message and the ids.
import { afterAll, expect, test } from 'bun:test'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '../shared/src/testing/wait-for'
import { pretty } from './pretty-logs'

const dir = mkdtempSync(join(tmpdir(), 'pretty-logs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const request = {
  time: '2026-12-01T20:19:02.045Z',
  level: 'info',
  service: 'order',
  msg: 'request',
  request_id: 'r-1',
  method: 'GET',
  path: '/api/v1/orders/o-1',
  status: 200,
  duration_ms: 2.9,
}

test('into a pipe: new lines of every file, unchanged, old ones skipped', async () => {
  const order = join(dir, 'order.log')
  const caddy = join(dir, 'caddy.log')
  writeFileSync(order, '{"msg":"written before the follower started"}\n')
  const follower = Bun.spawn(
    [process.execPath, join(import.meta.dir, 'pretty-logs.ts'), `order=${order}`, `caddy=${caddy}`],
    {
      stdout: 'pipe',
    },
  )
  const chunks: string[] = []
  const reading = (async () => {
    for await (const chunk of follower.stdout) chunks.push(new TextDecoder().decode(chunk))
  })()
  try {
    // Lines written until the follower shows one: then it follows the file.
    await waitFor(
      () => {
        appendFileSync(order, '{"msg":"ping"}\n')
        return chunks.join('').includes('ping')
      },
      { intervalMs: 200, timeoutMs: 10_000 },
    )
    appendFileSync(order, `${JSON.stringify(request)}\n`)
    writeFileSync(caddy, '{"level":"warn","ts":1796154611.77,"msg":"caddy says"}\n')
    await waitFor(() => chunks.join('').split('\n').length >= 3, { timeoutMs: 5000 })
    const lines = chunks.join('').trim().split('\n')
    expect(lines).toContain(JSON.stringify(request))
    expect(lines).toContain('{"level":"warn","ts":1796154611.77,"msg":"caddy says"}')
    expect(lines.join('\n')).not.toContain('before the follower started')
  } finally {
    follower.kill()
    await reading
  }
})

test('in a terminal: time, process, level, message, request and ids; errors by message', () => {
  expect(pretty('order-2', JSON.stringify(request))).toBe(
    '20:19:02.045 order-2 INFO  request GET /api/v1/orders/o-1 200 2.9ms request_id=r-1',
  )
  const failed = {
    ...request,
    level: 'error',
    msg: 'Could not apply',
    event_id: 'e-1',
    error: { name: 'Error', message: 'boom', stack: 'at …' },
  }
  expect(pretty('order', JSON.stringify(failed))).toContain('ERROR Could not apply')
  expect(pretty('order', JSON.stringify(failed))).toContain('event_id=e-1 error=Error: boom')
  expect(pretty('caddy', 'not json at all')).toContain('caddy')
})
