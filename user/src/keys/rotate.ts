import type { Sql } from '@shop/shared/postgres/connect'
import { fromPrivateJwk, generatePrivateJwk } from './signing-key.ts'

/** Any constant the user service's other advisory locks do not use: serialises rotations. */
const ROTATION_LOCK = 7_340_017

export interface Rotation {
  kid: string
  /** The key that signed until now; published until its tokens have expired, then pruned. */
  retiredKid: string | null
  retiredAt: Date
}

/**
 * Adds a new signing key and retires the current one in one transaction, so there is always exactly one key
 * that signs. Every process picks the new one up at its next key reload; the retired one stays in the JWKS
 * for the longest token lifetime (see publishedForMs), so tokens it signed stay valid until they expire.
 */
export async function rotateSigningKey(sql: Sql): Promise<Rotation> {
  const privateJwk = await generatePrivateJwk()
  const key = await fromPrivateJwk(privateJwk)
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${ROTATION_LOCK})`
    // The time after the lock, not the transaction's start (now()): a rotation that waited for another
    // must not date its key before the one it retires.
    const [retired]: [{ kid: string; retired_at: Date }?] = await tx`
      UPDATE signing_keys SET retired_at = clock_timestamp() WHERE retired_at IS NULL RETURNING kid, retired_at`
    const [added]: [{ created_at: Date }] = await tx`
      INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at)
      VALUES (${key.kid}, ${key.alg}, ${tx.json(privateJwk as never)}, ${tx.json(key.publicJwk as never)},
              clock_timestamp())
      RETURNING created_at`
    return {
      kid: key.kid,
      retiredKid: retired?.kid ?? null,
      retiredAt: retired?.retired_at ?? added.created_at,
    }
  })
}
