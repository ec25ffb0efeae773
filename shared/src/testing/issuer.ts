import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { JWT_AUDIENCE, JWT_ISSUER } from '../http/auth.ts'

interface TokenClaims {
  sub: string
  role: 'customer' | 'admin'
  expiresIn?: string
  issuer?: string
  audience?: string
}

/**
 * Stands in for the user service's key set in other services' tests: an ES256 key pair whose public half
 * is served as a JWKS over real HTTP on a free loopback port, and a `sign` for access tokens.
 */
export async function createTestIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' }
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json({ keys: [jwk] }) })
  return {
    jwksUrl: `http://127.0.0.1:${server.port}/.well-known/jwks.json`,
    sign: ({ sub, role, expiresIn = '15m', issuer = JWT_ISSUER, audience = JWT_AUDIENCE }: TokenClaims) =>
      new SignJWT({ role })
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey),
    stop: () => server.stop(true),
  }
}
