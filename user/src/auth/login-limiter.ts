import { TooManyRequestsError } from '@shop/shared/http/errors'
import type { Sql } from '@shop/shared/postgres/connect'

export interface LoginLimits {
  windowSeconds: number
  /** Failed attempts for one email (since its last success) within the window before it is refused. */
  failuresPerEmail: number
  /** Attempts of any outcome from one client address within the window before it is refused. */
  attemptsPerClient: number
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  windowSeconds: 15 * 60,
  failuresPerEmail: 5,
  attemptsPerClient: 20,
}

interface Counts {
  email_failures: number
  email_oldest: Date | null
  client_attempts: number
  client_oldest: Date | null
}

export type LoginLimiter = ReturnType<typeof createLoginLimiter>

/**
 * Login attempts are recorded before they are counted (each insert commits on its own), so of any two
 * concurrent attempts the later one sees the earlier: concurrency cannot slip past a limit.
 */
export function createLoginLimiter({ sql, limits, now }: { sql: Sql; limits: LoginLimits; now: () => Date }) {
  const windowMs = limits.windowSeconds * 1000
  const secondsUntil = (oldest: Date | null, at: Date) =>
    oldest ? (oldest.getTime() + windowMs - at.getTime()) / 1000 : limits.windowSeconds

  return {
    /** Records the attempt and returns its id, or throws 429 when the email or the address is over its limit. */
    async begin(email: string, client: string): Promise<string> {
      const at = now()
      const since = new Date(at.getTime() - windowMs)
      const [attempt] = await sql<{ id: string }[]>`
        INSERT INTO login_attempts (email, client, attempted_at) VALUES (${email}, ${client}, ${at})
        RETURNING id`
      const id = String(attempt?.id)
      const [counts] = await sql<Counts[]>`
        WITH last_success AS (
          SELECT coalesce(max(id), 0) AS id FROM login_attempts
          WHERE email = ${email} AND outcome = 'succeeded' AND attempted_at > ${since}
        ), email_failures AS (
          SELECT count(*)::int AS n, min(attempted_at) AS oldest FROM login_attempts
          WHERE email = ${email} AND id <> ${id} AND outcome IN ('pending', 'failed')
            AND attempted_at > ${since} AND id > (SELECT id FROM last_success)
        ), client_attempts AS (
          SELECT count(*)::int AS n, min(attempted_at) AS oldest FROM login_attempts
          WHERE client = ${client} AND id <> ${id} AND outcome <> 'blocked' AND attempted_at > ${since}
        )
        SELECT e.n AS email_failures, e.oldest AS email_oldest, c.n AS client_attempts, c.oldest AS client_oldest
        FROM email_failures e, client_attempts c`
      if (!counts) throw new Error('login attempt counts missing')
      const waits: number[] = []
      if (counts.email_failures >= limits.failuresPerEmail) waits.push(secondsUntil(counts.email_oldest, at))
      if (counts.client_attempts >= limits.attemptsPerClient)
        waits.push(secondsUntil(counts.client_oldest, at))
      if (waits.length === 0) return id
      await sql`UPDATE login_attempts SET outcome = 'blocked' WHERE id = ${id}`
      throw new TooManyRequestsError('Too many login attempts; try again later', Math.max(...waits))
    },

    async finish(id: string, outcome: 'failed' | 'succeeded') {
      await sql`UPDATE login_attempts SET outcome = ${outcome} WHERE id = ${id}`
    },
  }
}
