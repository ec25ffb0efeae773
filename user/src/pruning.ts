import { pruneSentOutbox } from '@shop/shared/outbox/postgres-store'
import type { Sql } from '@shop/shared/postgres/connect'
import type { PeriodicTask } from '@shop/shared/runtime/periodic'
import { publishedForMs } from './keys/key-ring.ts'

export interface Retention {
  /** Login and registration attempts only matter inside their rate-limit windows. */
  loginWindowSeconds: number
  registrationWindowSeconds: number
  /** Published outbox rows are kept this long for looking into what was sent; unsent ones are never pruned. */
  outboxRetentionHours: number
  /** A retired signing key is published for the longest token lifetime, then deleted. */
  accessTokenTtlSeconds: number
}

/**
 * What the user service deletes periodically so that no table only grows. Each task is one idempotent
 * DELETE of rows past their use, so two processes pruning at once are harmless.
 */
export function pruningTasks(
  sql: Sql,
  retention: Retention,
  now: () => Date = () => new Date(),
): PeriodicTask[] {
  const ago = (ms: number) => new Date(now().getTime() - ms)
  const task = (name: string, run: () => Promise<{ count: number } | number>): PeriodicTask => ({
    name,
    run: async () => {
      const done = await run()
      return typeof done === 'number' ? done : done.count
    },
  })
  return [
    task('prune login attempts', () => {
      const before = ago(retention.loginWindowSeconds * 1000)
      return sql`DELETE FROM login_attempts WHERE attempted_at < ${before}`
    }),
    task('prune registration attempts', () => {
      const before = ago(retention.registrationWindowSeconds * 1000)
      return sql`DELETE FROM registration_attempts WHERE attempted_at < ${before}`
    }),
    // A spent token is kept until it expires, so presenting it again still reveals a copy and revokes its
    // family; past its expiry it would be refused anyway.
    task('prune refresh tokens', () => sql`DELETE FROM refresh_tokens WHERE expires_at < ${now()}`),
    // Unsent and parked rows are kept whatever their age.
    task('prune sent outbox rows', () =>
      pruneSentOutbox(sql, ago(retention.outboxRetentionHours * 60 * 60 * 1000)),
    ),
    task('prune retired signing keys', () => {
      const before = ago(publishedForMs(retention.accessTokenTtlSeconds))
      return sql`DELETE FROM signing_keys WHERE retired_at < ${before}`
    }),
  ]
}
