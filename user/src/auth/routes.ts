import type { AppEnv, AuthUser } from '@shop/shared/http/app-env'
import { ConflictError, UnauthorizedError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { Hono } from 'hono'
import { toUserBody } from '../users/body.ts'
import { EMAIL_TAKEN, type UserStore } from '../users/store.ts'
import type { AccessTokens } from './access-tokens.ts'
import type { ClientAddress } from './client-address.ts'
import { credentialsOf, loginCredentials } from './credentials.ts'
import type { LoginLimiter } from './login-limiter.ts'
import type { Passwords } from './passwords.ts'
import type { RefreshTokens } from './refresh-tokens.ts'
import type { RegistrationLimiter } from './registration-limiter.ts'
import { RefreshBody, Register } from './schemas.ts'

export interface AuthRoutesDeps {
  users: UserStore
  passwords: Passwords
  accessTokens: AccessTokens
  refreshTokens: RefreshTokens
  limiter: LoginLimiter
  registrations: RegistrationLimiter
  clientAddress: ClientAddress
  /** Called after a registration commits, so the outbox relay publishes at once instead of at its next poll. */
  wakeRelay: () => void
}

/** One message for an unknown email and a wrong password, so the answer does not tell which. */
const INVALID_LOGIN = 'Invalid email or password'
const INVALID_REFRESH = 'The refresh token is not valid'
const NO_STORE = { 'Cache-Control': 'no-store' }

export const authRoutes = (deps: AuthRoutesDeps) => {
  const { users, passwords, accessTokens, refreshTokens, limiter, clientAddress } = deps

  const tokenPair = async (user: AuthUser, session: { token: string; familyId: string }) => ({
    access_token: await accessTokens.sign(user, session.familyId),
    refresh_token: session.token,
    token_type: 'bearer',
    expires_in: accessTokens.ttlSeconds,
  })

  return new Hono<AppEnv>()
    .post('/register', validate('json', Register), async (c) => {
      const { password, phone, ...profile } = c.req.valid('json')
      await deps.registrations.begin(clientAddress(c))
      // Checked before the (deliberately costly) hash, so a taken email costs a lookup, not an argon2id run;
      // the unique index still decides a race between two registrations of one email.
      if (await users.findByEmail(profile.email)) throw new ConflictError(EMAIL_TAKEN)
      const user = await users.create(
        { ...profile, phone: phone ?? null, password_hash: await passwords.hash(password), role: 'customer' },
        c.var.requestId,
      )
      deps.wakeRelay()
      c.var.log.info('User registered', { user_id: user.id, role: user.role })
      return c.json(toUserBody(user, []), 201)
    })
    .post('/login', loginCredentials, async (c) => {
      const { email, password } = credentialsOf(c)
      const attempt = await limiter.begin(email, clientAddress(c))
      const user = await users.findByEmail(email)
      const matches = await passwords.verify(password, user?.password_hash)
      if (!user || !matches || !user.is_active) {
        await limiter.finish(attempt, 'failed')
        throw new UnauthorizedError(INVALID_LOGIN)
      }
      await limiter.finish(attempt, 'succeeded')
      const pair = await tokenPair(user, await refreshTokens.issue(user.id))
      return c.json(pair, 200, NO_STORE)
    })
    .post('/refresh', validate('json', RefreshBody), async (c) => {
      const result = await refreshTokens.rotate(c.req.valid('json').refresh_token)
      if (result.outcome === 'reused') {
        c.var.log.warn('A spent refresh token was presented again; its family is revoked', {
          user_id: result.userId,
          family_id: result.familyId,
        })
      }
      if (result.outcome !== 'rotated') throw new UnauthorizedError(INVALID_REFRESH)
      return c.json(await tokenPair(result.user, result), 200, NO_STORE)
    })
    .post('/logout', validate('json', RefreshBody), async (c) => {
      await refreshTokens.revokeFamily(c.req.valid('json').refresh_token)
      return c.body(null, 204)
    })
}
