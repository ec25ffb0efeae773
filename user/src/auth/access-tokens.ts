import type { AuthUser } from '@shop/shared/http/app-env'
import { createJwtVerifier, JWT_AUDIENCE, JWT_ISSUER } from '@shop/shared/http/auth'
import { createLocalJWKSet, type JSONWebKeySet, SignJWT } from 'jose'
import type { SigningKey } from '../keys/signing-key.ts'

export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 15 * 60

export type AccessTokens = ReturnType<typeof createAccessTokens>

/** Signs access tokens, publishes the key set, and verifies tokens with the shared middleware's rules. */
export function createAccessTokens({
  key,
  ttlSeconds,
  now,
}: {
  key: SigningKey
  ttlSeconds: number
  now: () => Date
}) {
  const jwks: JSONWebKeySet = { keys: [key.publicJwk] }
  return {
    ttlSeconds,
    jwks,
    verify: createJwtVerifier({ jwks: createLocalJWKSet(jwks) }),
    sign(user: AuthUser) {
      const issuedAt = Math.floor(now().getTime() / 1000)
      return new SignJWT({ role: user.role })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setSubject(user.id)
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(key.privateKey)
    },
  }
}
