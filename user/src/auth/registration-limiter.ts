import { TooManyRequestsError } from '@shop/shared/http/errors'
import type { Sql } from '@shop/shared/postgres/connect'

export interface RegistrationLimits {
  windowSeconds: number
  /** Registrations (of any outcome) one client address may attempt within the window. */
  perClient: number
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = { windowSeconds: 15 * 60, perClient: 10 }

export type RegistrationLimiter = ReturnType<typeof createRegistrationLimiter>

/**
 * Like the login limiter, an attempt is recorded (and committed) before the others are counted, so of two
 * concurrent attempts, in one process or two, the later sees the earlier: near the limit both may be refused,
 * but none slips past it.
 */
export function createRegistrationLimiter({
  sql,
  limits,
  now,
}: {
  sql: Sql
  limits: RegistrationLimits
  now: () => Date
}) {
  const windowMs = limits.windowSeconds * 1000
  return {
    /** Records the attempt, or throws 429 with Retry-After when the address is over its limit. */
    async begin(client: string) {
      const at = now()
      const since = new Date(at.getTime() - windowMs)
      const [attempt] = await sql<{ id: string }[]>`
        INSERT INTO registration_attempts (client, attempted_at) VALUES (${client}, ${at}) RETURNING id`
      const [earlier] = await sql<{ n: number; oldest: Date | null }[]>`
        SELECT count(*)::int AS n, min(attempted_at) AS oldest FROM registration_attempts
        WHERE client = ${client} AND id <> ${attempt?.id ?? 0} AND NOT blocked AND attempted_at > ${since}`
      if ((earlier?.n ?? 0) < limits.perClient) return
      await sql`UPDATE registration_attempts SET blocked = true WHERE id = ${attempt?.id ?? 0}`
      const oldest = earlier?.oldest ?? at
      throw new TooManyRequestsError(
        'Too many registrations from this address; try again later',
        (oldest.getTime() + windowMs - at.getTime()) / 1000,
      )
    },
  }
}
