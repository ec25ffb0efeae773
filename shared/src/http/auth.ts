import type { MiddlewareHandler } from 'hono'
import {
  createLocalJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose'
import type { Logger } from '../log.ts'
import type { AppEnv, AuthUser } from './app-env.ts'
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from './errors.ts'

/** Who signs access tokens and for whom; the user service signs with these, everyone else verifies them. */
export const JWT_ISSUER = 'shop-user-service'
export const JWT_AUDIENCE = 'shop-api'
export const JWT_ALGORITHMS = ['EdDSA', 'ES256']

/** JWKS_MAX_STALE_HOURS: how long a verifier goes on with its last good key set while the user service is away. */
export const DEFAULT_JWKS_MAX_STALE_HOURS = 24
const REFRESH_EVERY_MS = 5 * 60_000
/** A failed fetch, or a token naming a key not in the set, refetches at most this often. */
const REFETCH_COOLDOWN_MS = 5_000
const FETCH_TIMEOUT_MS = 3_000

export interface JwtVerifierOptions {
  /** The user service's JWKS URL, or a key resolver (the user service itself verifies with its own keys). */
  jwks: string | JWTVerifyGetKey
  issuer?: string
  audience?: string
  maxStaleHours?: number
  refreshEveryMs?: number
  refetchCooldownMs?: number
  log?: Logger
}

export type VerifyToken = (token: string) => Promise<AuthUser>

const ROLES = new Set(['customer', 'admin'])
const UNAVAILABLE =
  'Access tokens cannot be checked right now: the key set of the user service is out of reach'

interface RemoteKeySetOptions {
  maxStaleMs: number
  refreshEveryMs: number
  cooldownMs: number
  log?: Logger
}

async function fetchKeySet(url: string) {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' })
  if (!res.ok) throw new Error(`the JWKS answered ${res.status}`)
  const body = (await res.json()) as JSONWebKeySet
  // Throws on anything that is not a key set, so a broken answer never replaces a good one.
  return createLocalJWKSet(body)
}

/**
 * The user service's key set, kept through its outages: fetched at once and every `refreshEveryMs` in the
 * background, and used up to `maxStaleMs` after the last fetch that worked. A token naming an unknown key
 * refetches (at most once per cooldown: a stream of made-up key ids cannot turn into a stream of fetches).
 * With no usable key set, verification throws 503, never 401: the client's token may well be good.
 */
function remoteKeySet(url: string, { maxStaleMs, refreshEveryMs, cooldownMs, log }: RemoteKeySetOptions) {
  let current: { keys: JWTVerifyGetKey; fetchedAt: number } | undefined
  let lastAttempt = 0
  let lastFailed = false
  let inFlight: Promise<void> | undefined

  const refresh = () => {
    inFlight ??= (async () => {
      lastAttempt = Date.now()
      try {
        current = { keys: await fetchKeySet(url), fetchedAt: Date.now() }
        if (lastFailed) log?.info('JWKS reachable again', { url })
        lastFailed = false
      } catch (error) {
        if (!lastFailed) {
          const msg = current
            ? 'Could not refresh the JWKS; using the last good key set'
            : 'Could not load the JWKS'
          log?.warn(msg, { url, error })
        }
        lastFailed = true
      } finally {
        inFlight = undefined
      }
    })()
    return inFlight
  }
  const coolingDown = () => Date.now() - lastAttempt < cooldownMs
  const usable = () => (current && Date.now() - current.fetchedAt <= maxStaleMs ? current : undefined)

  void refresh()
  setInterval(() => void refresh(), refreshEveryMs).unref()

  const getKey: JWTVerifyGetKey = async (header, token) => {
    // The first fetch may still be under way; otherwise an outage is asked about once per cooldown.
    if (!usable() && (inFlight || !coolingDown())) await refresh()
    const keySet = usable()
    if (!keySet) throw new ServiceUnavailableError(UNAVAILABLE)
    try {
      return await keySet.keys(header, token)
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error
      // A key added by a rotation since the last fetch, or a made-up kid: only a fresh fetch can tell.
      if (inFlight || !coolingDown()) {
        await refresh()
        if (!lastFailed) return (usable() ?? keySet).keys(header, token)
      }
      if (lastFailed) throw new ServiceUnavailableError(UNAVAILABLE)
      throw error
    }
  }
  return getKey
}

/**
 * Verifies an access token (signature, iss, aud, and an `exp` in the future, which it must have) against the
 * user service's key set, or against a key resolver given directly.
 */
export function createJwtVerifier({
  jwks,
  issuer = JWT_ISSUER,
  audience = JWT_AUDIENCE,
  maxStaleHours = DEFAULT_JWKS_MAX_STALE_HOURS,
  refreshEveryMs = REFRESH_EVERY_MS,
  refetchCooldownMs = REFETCH_COOLDOWN_MS,
  log,
}: JwtVerifierOptions): VerifyToken {
  const keys =
    typeof jwks === 'string'
      ? remoteKeySet(jwks, {
          maxStaleMs: maxStaleHours * 60 * 60_000,
          refreshEveryMs,
          cooldownMs: refetchCooldownMs,
          log,
        })
      : jwks
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience,
        algorithms: JWT_ALGORITHMS,
        requiredClaims: ['exp'],
      })
      if (typeof payload.sub !== 'string' || !ROLES.has(String(payload.role))) {
        throw new UnauthorizedError('The token lacks a subject or a role')
      }
      return { id: payload.sub, role: payload.role as AuthUser['role'] }
    } catch (error) {
      if (error instanceof UnauthorizedError || error instanceof ServiceUnavailableError) throw error
      if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('The token has expired')
      if (error instanceof joseErrors.JOSEError) throw new UnauthorizedError('The token is not valid')
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
