import type { AppEnv, AuthUser } from '@shop/shared/http/app-env'
import { UnauthorizedError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { Hono } from 'hono'
import { toUserBody } from '../users/body.ts'
import type { UserStore } from '../users/store.ts'
import type { AccessTokens } from './access-tokens.ts'
import { clientAddress } from './client-address.ts'
import { credentialsOf, loginCredentials } from './credentials.ts'
import type { LoginLimiter } from './login-limiter.ts'
import type { Passwords } from './passwords.ts'
import type { RefreshTokens } from './refresh-tokens.ts'
import { RefreshBody, Register } from './schemas.ts'

export interface AuthRoutesDeps {
  users: UserStore
  passwords: Passwords
  accessTokens: AccessTokens
  refreshTokens: RefreshTokens
  limiter: LoginLimiter
  adminEmails: ReadonlySet<string>
  /** Called after a registration commits, so the outbox relay publishes at once instead of at its next poll. */
  notify: () => void
}

/** One message for an unknown email and a wrong password, so the answer does not tell which. */
const INVALID_LOGIN = 'Invalid email or password'
const INVALID_REFRESH = 'The refresh token is not valid'
const NO_STORE = { 'Cache-Control': 'no-store' }

export const authRoutes = (deps: AuthRoutesDeps) => {
  const { users, passwords, accessTokens, refreshTokens, limiter } = deps

  const tokenPair = async (user: AuthUser, refreshToken: string) => ({
    access_token: await accessTokens.sign(user),
    refresh_token: refreshToken,
    token_type: 'bearer',
    expires_in: accessTokens.ttlSeconds,
  })

  return new Hono<AppEnv>()
    .post('/register', validate('json', Register), async (c) => {
      const { password, phone, ...profile } = c.req.valid('json')
      const user = await users.create(
        {
          ...profile,
          phone: phone ?? null,
          password_hash: await passwords.hash(password),
          role: deps.adminEmails.has(profile.email) ? 'admin' : 'customer',
        },
        c.var.requestId,
      )
      deps.notify()
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
      return c.json(await tokenPair(result.user, result.token), 200, NO_STORE)
    })
    .post('/logout', validate('json', RefreshBody), async (c) => {
      await refreshTokens.revokeFamily(c.req.valid('json').refresh_token)
      return c.body(null, 204)
    })
}
