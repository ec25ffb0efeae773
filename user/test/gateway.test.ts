import { describe, expect, it } from 'bun:test'
import { request } from 'node:http'

/**
 * Through the real gateway (Caddy) to the stack's running user service. Each run comes from a loopback
 * address of its own (127.x.y.z), so its failed logins count against no one else's address.
 */
const GATEWAY = new URL(process.env.TEST_GATEWAY_URL ?? 'http://127.0.0.1:80')
/** Far above LOGIN_LIMIT_PER_ADDRESS (20 by default): the limit must be reached well before. */
const MAX_ATTEMPTS = 100

const randomLoopback = () => {
  const byte = (low: number) => low + Math.floor(Math.random() * (254 - low))
  return `127.${byte(1)}.${byte(0)}.${byte(1)}`
}

interface Answer {
  status: number
  retryAfter: string | undefined
}

/** A login attempt sent from `from` (the socket's source address), claiming to be `forwardedFor`. */
function loginFrom(from: string, forwardedFor: string): Promise<Answer> {
  const body = JSON.stringify({ email: `${crypto.randomUUID()}@example.com`, password: 'Wrong123' })
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: GATEWAY.hostname,
        port: Number(GATEWAY.port || 80),
        path: '/api/v1/auth/login',
        method: 'POST',
        localAddress: from,
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': forwardedFor },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('the login limit through the real gateway', () => {
  it('is not dodged by a made-up X-Forwarded-For: each attempt claims another address, all count as one', async () => {
    const from = randomLoopback()
    const answers: Answer[] = []
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      const answer = await loginFrom(from, `203.0.113.${i}, 198.51.100.${i}`)
      answers.push(answer)
      if (answer.status === 429) break
    }
    const refused = answers.at(-1)
    expect(refused?.status).toBe(429)
    expect(Number(refused?.retryAfter)).toBeGreaterThan(0)
    expect(answers.slice(0, -1).every((answer) => answer.status === 401)).toBe(true)
    expect(answers.length).toBeLessThan(MAX_ATTEMPTS)
    // Another client address is not affected.
    expect((await loginFrom(randomLoopback(), '203.0.113.1')).status).toBe(401)
  }, 60_000)
})
