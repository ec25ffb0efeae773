import type { MiddlewareHandler } from 'hono'
import { createRemoteJWKSet, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose'
import type { AppEnv, AuthUser } from './app-env.ts'
import { ForbiddenError, UnauthorizedError } from './errors.ts'

/** Who signs access tokens and for whom; the user service signs with these, everyone else verifies them. */
export const JWT_ISSUER = 'shop-user-service'
export const JWT_AUDIENCE = 'shop-api'
export const JWT_ALGORITHMS = ['EdDSA', 'ES256']

export interface JwtVerifierOptions {
  /** The user service's JWKS URL, or a key resolver (the user service itself verifies with its own keys). */
  jwks: string | JWTVerifyGetKey
  issuer?: string
  audience?: string
}

export type VerifyToken = (token: string) => Promise<AuthUser>

const ROLES = new Set(['customer', 'admin'])

/** Verifies an access token against the key set (fetched once, cached, refetched on an unknown key id). */
export function createJwtVerifier({
  jwks,
  issuer = JWT_ISSUER,
  audience = JWT_AUDIENCE,
}: JwtVerifierOptions): VerifyToken {
  const keys =
    typeof jwks === 'string'
      ? createRemoteJWKSet(new URL(jwks), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 })
      : jwks
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience, algorithms: JWT_ALGORITHMS })
      if (typeof payload.sub !== 'string' || !ROLES.has(String(payload.role))) {
        throw new UnauthorizedError('The token lacks a subject or a role')
      }
      return { id: payload.sub, role: payload.role as AuthUser['role'] }
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error
      if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('The token has expired')
      if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout)) {
        throw new UnauthorizedError('The token is not valid')
      }
      throw error
    }
  }
}

const BEARER = /^Bearer\s+(\S+)$/i

/** Requires a valid bearer token and puts the caller on `c.var.user`. */
export const requireUser =
  (verify: VerifyToken): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const token = BEARER.exec(c.req.header('Authorization') ?? '')?.[1]
    if (!token) throw new UnauthorizedError('Send an access token as Authorization: Bearer <token>')
    c.set('user', await verify(token))
    await next()
  }

/** Use after requireUser: only admins pass. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get('user')?.role !== 'admin') throw new ForbiddenError('This needs the admin role')
  await next()
}
