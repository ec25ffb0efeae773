import type { Sql } from '@shop/shared/postgres/connect'
import {
  createLocalJWKSet,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  errors as joseErrors,
} from 'jose'
import { fromPrivateJwk, loadOrCreateSigningKey, type SigningKey } from './signing-key.ts'

/** How often a process rereads the keys, so that every process signs with the newest within this long. */
export const KEY_RELOAD_MS = 30_000
/** A token naming a key this process does not know rereads the keys, but at most this often. */
const UNKNOWN_KID_RELOAD_MS = 2_000
const CLOCK_SKEW_MS = 60_000

/**
 * How long a retired key stays published: the longest token lifetime, plus the time another process may
 * still have signed with it before it reread the keys, plus clock skew.
 */
export const publishedForMs = (tokenLifetimeSeconds: number) =>
  tokenLifetimeSeconds * 1000 + KEY_RELOAD_MS + CLOCK_SKEW_MS

/** The keys of the user service: one signs new tokens, all published ones verify. */
export interface KeyRing {
  current(): SigningKey
  /** The public keys: the current one and those retired within `publishedForMs`. */
  jwks(): JSONWebKeySet
  /** Resolves a token's key among the published ones (rereading them once for an unknown kid). */
  getKey: JWTVerifyGetKey
  /** Rereads the keys from the database; a configured key never changes. */
  reload(): Promise<void>
}

const ringOf = (current: SigningKey, published: SigningKey[]) => {
  const jwks: JSONWebKeySet = { keys: published.map((key) => key.publicJwk) }
  return { current, jwks, local: createLocalJWKSet(jwks) }
}

/** One key, never rotated: JWT_PRIVATE_KEY, or a test's own key. */
export function fixedKeyRing(key: SigningKey): KeyRing {
  const ring = ringOf(key, [key])
  return {
    current: () => ring.current,
    jwks: () => ring.jwks,
    getKey: (header, token) => ring.local(header, token),
    reload: async () => undefined,
  }
}

interface KeyRow {
  kid: string
  private_jwk: JWK
  retired_at: Date | null
}

/**
 * The keys kept in the database (generated on the first start, rotated by `rotate-key`). Every process reads
 * them at start and every KEY_RELOAD_MS, and signs with the one not retired; `rotate-key` retires the old
 * one in the same transaction that adds the new, so there is never more than one.
 */
export async function openKeyRing({
  sql,
  tokenLifetimeSeconds,
  now = () => new Date(),
}: {
  sql: Sql
  tokenLifetimeSeconds: number
  now?: () => Date
}): Promise<KeyRing> {
  const imported = new Map<string, SigningKey>()
  const importKey = async (row: KeyRow) => {
    const known = imported.get(row.kid)
    if (known) return known
    const key = await fromPrivateJwk(row.private_jwk)
    imported.set(row.kid, key)
    return key
  }

  const read = async () => {
    const cutoff = new Date(now().getTime() - publishedForMs(tokenLifetimeSeconds))
    const rows = await sql<KeyRow[]>`
      SELECT kid, private_jwk, retired_at FROM signing_keys
      WHERE retired_at IS NULL OR retired_at > ${cutoff}
      ORDER BY created_at DESC, kid`
    const active = rows.find((row) => row.retired_at === null)
    const current = active ? await importKey(active) : await loadOrCreateSigningKey(sql)
    const others = await Promise.all(rows.filter((row) => row !== active).map(importKey))
    return ringOf(current, [current, ...others.filter((key) => key.kid !== current.kid)])
  }

  let ring = await read()
  let lastUnknownKidReload = 0
  const reload = async () => {
    ring = await read()
  }

  return {
    current: () => ring.current,
    jwks: () => ring.jwks,
    async getKey(header, token) {
      try {
        return await ring.local(header, token)
      } catch (error) {
        const unknownKid = error instanceof joseErrors.JWKSNoMatchingKey
        if (!unknownKid || Date.now() - lastUnknownKidReload < UNKNOWN_KID_RELOAD_MS) throw error
        lastUnknownKidReload = Date.now()
        await reload()
        return ring.local(header, token)
      }
    },
    reload,
  }
}
