import { createHash, randomBytes } from 'node:crypto'
import type { AuthUser } from '@shop/shared/http/app-env'
import type { Sql, TransactionSql } from '@shop/shared/postgres/connect'

export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60

const TOKEN_BYTES = 32

const hashOf = (token: string) => createHash('sha256').update(token).digest()

export type RotateResult =
  | { outcome: 'rotated'; user: AuthUser; token: string; familyId: string }
  | { outcome: 'invalid' }
  | { outcome: 'reused'; userId: string; familyId: string }

interface TokenRow {
  id: string
  user_id: string
  family_id: string
  expires_at: Date
  used_at: Date | null
  revoked_at: Date | null
  role: AuthUser['role']
  is_active: boolean
}

export type RefreshTokens = ReturnType<typeof createRefreshTokens>

/** Opaque refresh tokens, stored only as SHA-256 hashes, rotated on every use. */
export function createRefreshTokens({
  sql,
  ttlSeconds,
  now,
}: {
  sql: Sql
  ttlSeconds: number
  now: () => Date
}) {
  const insert = async (
    tx: Sql | TransactionSql,
    token: { userId: string; familyId: string; parentId: string | null },
  ) => {
    const secret = randomBytes(TOKEN_BYTES).toString('base64url')
    const createdAt = now()
    const expiresAt = new Date(createdAt.getTime() + ttlSeconds * 1000)
    await tx`
      INSERT INTO refresh_tokens (token_hash, user_id, family_id, parent_id, created_at, expires_at)
      VALUES (${hashOf(secret)}, ${token.userId}, ${token.familyId}, ${token.parentId}, ${createdAt}, ${expiresAt})`
    return secret
  }

  return {
    /** A new family (a session), started by a login. */
    async issue(userId: string) {
      const familyId = crypto.randomUUID()
      return { token: await insert(sql, { userId, familyId, parentId: null }), familyId }
    },

    /**
     * Spends the token and issues its successor. A token spent before means a copy is in someone else's hands:
     * the whole family is revoked (committed), and the caller answers 401.
     */
    rotate: (token: string): Promise<RotateResult> =>
      sql.begin(async (tx) => {
        const [row]: [TokenRow?] = await tx`
          SELECT t.id, t.user_id, t.family_id, t.expires_at, t.used_at, t.revoked_at, u.role, u.is_active
          FROM refresh_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = ${hashOf(token)}
          FOR UPDATE OF t`
        if (!row || row.revoked_at) return { outcome: 'invalid' }
        const at = now()
        if (row.used_at) {
          await tx`
            UPDATE refresh_tokens SET revoked_at = ${at}
            WHERE family_id = ${row.family_id} AND revoked_at IS NULL`
          return { outcome: 'reused', userId: row.user_id, familyId: row.family_id }
        }
        if (row.expires_at <= at || !row.is_active) return { outcome: 'invalid' }
        await tx`UPDATE refresh_tokens SET used_at = ${at} WHERE id = ${row.id}`
        const next = await insert(tx, { userId: row.user_id, familyId: row.family_id, parentId: row.id })
        const user = { id: row.user_id, role: row.role }
        return { outcome: 'rotated', user, token: next, familyId: row.family_id }
      }),

    /** Ends the session the token belongs to: every token of its family. Unknown tokens change nothing. */
    async revokeFamily(token: string) {
      await sql`
        UPDATE refresh_tokens SET revoked_at = ${now()}
        WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = ${hashOf(token)})
          AND revoked_at IS NULL`
    },

    /** Ends every session of the user but `keepFamily` (the caller's own, when it changes its password). */
    async revokeAll(userId: string, keepFamily: string | null = null) {
      await sql`
        UPDATE refresh_tokens SET revoked_at = ${now()}
        WHERE user_id = ${userId} AND revoked_at IS NULL
          AND (${keepFamily}::uuid IS NULL OR family_id <> ${keepFamily}::uuid)`
    },
  }
}
