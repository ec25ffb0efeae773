import { createPrivateKey } from 'node:crypto'
import type { Sql } from '@shop/shared/postgres/connect'
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'

export type SigningAlg = 'ES256' | 'EdDSA'

/** The key access tokens are signed with; `publicJwk` (with kid, alg, use) is what the JWKS serves. */
export interface SigningKey {
  kid: string
  alg: SigningAlg
  privateKey: CryptoKey | Uint8Array
  publicJwk: JWK
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError'
}

/** Generated keys use ES256: every JOSE library verifies it, and the shared verifier accepts it. */
const GENERATED_ALG: SigningAlg = 'ES256'

const algOf = (jwk: JWK): SigningAlg => {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256'
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA'
  throw new SigningKeyError(`unsupported key type ${jwk.kty}/${jwk.crv}: use an EC P-256 or an Ed25519 key`)
}

export async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  if (typeof jwk.d !== 'string') throw new SigningKeyError('the JWK is not a private key (it has no "d")')
  const alg = algOf(jwk)
  const { kty, crv, x, y } = jwk
  const publicPart: JWK = y === undefined ? { kty, crv, x } : { kty, crv, x, y }
  const kid = await calculateJwkThumbprint(publicPart)
  const privateKey = await importJWK({ ...jwk, alg }, alg)
  return { kid, alg, privateKey, publicJwk: { ...publicPart, kid, alg, use: 'sig' } }
}

/** JWT_PRIVATE_KEY: a private JWK as JSON, or a PKCS8 PEM (literal `\n` escapes allowed, as env files carry them). */
export async function signingKeyFromText(text: string): Promise<SigningKey> {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    let jwk: JWK
    try {
      jwk = JSON.parse(trimmed)
    } catch {
      throw new SigningKeyError('JWT_PRIVATE_KEY looks like JSON but does not parse')
    }
    return fromPrivateJwk(jwk)
  }
  let jwk: JWK
  try {
    jwk = createPrivateKey({ key: trimmed.replaceAll('\\n', '\n'), format: 'pem' }).export({
      format: 'jwk',
    }) as JWK
  } catch (error) {
    throw new SigningKeyError(`JWT_PRIVATE_KEY is neither a private JWK nor a PKCS8 PEM: ${error}`)
  }
  return fromPrivateJwk(jwk)
}

interface SigningKeyRow {
  private_jwk: JWK
}

const activeKey = async (sql: Sql) => {
  const [row]: [SigningKeyRow?] = await sql`
    SELECT private_jwk FROM signing_keys WHERE retired_at IS NULL`
  return row ? fromPrivateJwk(row.private_jwk) : undefined
}

/** A new key pair of the generated kind, as its private JWK (what the database keeps). */
export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(GENERATED_ALG, { extractable: true })
  return exportJWK(privateKey)
}

/**
 * The key kept in the database, generated on the first start. Instances starting at once may each generate
 * one, but the unique index on the active key lets only the first insert win, and everyone reads the winner.
 */
export async function loadOrCreateSigningKey(sql: Sql): Promise<SigningKey> {
  const existing = await activeKey(sql)
  if (existing) return existing
  const privateJwk = await generatePrivateJwk()
  const candidate = await fromPrivateJwk(privateJwk)
  await sql`
    INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk)
    VALUES (${candidate.kid}, ${candidate.alg}, ${sql.json(privateJwk as never)},
            ${sql.json(candidate.publicJwk as never)})
    ON CONFLICT DO NOTHING`
  const winner = await activeKey(sql)
  if (!winner) throw new SigningKeyError('no active signing key after creating one')
  return winner
}

/** The configured key if there is one, else the one kept in the database. */
export const loadSigningKey = (sql: Sql, configured?: string) =>
  configured ? signingKeyFromText(configured) : loadOrCreateSigningKey(sql)
