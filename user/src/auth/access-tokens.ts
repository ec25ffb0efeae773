import type { AuthUser } from '@shop/shared/http/app-env'
import { createJwtVerifier, JWT_AUDIENCE, JWT_ISSUER } from '@shop/shared/http/auth'
import { SignJWT } from 'jose'
import type { KeyRing } from '../keys/key-ring.ts'

export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 15 * 60

export type AccessTokens = ReturnType<typeof createAccessTokens>

/**
 * Signs access tokens with the key ring's current key and verifies them with the shared middleware's rules
 * against every published key. `sid` names the refresh-token family (the session) the token came from.
 */
export function createAccessTokens({
  keys,
  ttlSeconds,
  now,
}: {
  keys: KeyRing
  ttlSeconds: number
  now: () => Date
}) {
  return {
    ttlSeconds,
    verifyToken: createJwtVerifier({ jwks: keys.getKey }),
    sign(user: AuthUser, sessionId: string) {
      const key = keys.current()
      const issuedAt = Math.floor(now().getTime() / 1000)
      return new SignJWT({ role: user.role, sid: sessionId })
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
