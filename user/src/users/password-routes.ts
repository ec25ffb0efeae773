import type { AppEnv } from '@shop/shared/http/app-env'
import { UnauthorizedError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { Hono } from 'hono'
import { decodeJwt } from 'jose'
import type { UserRoutesDeps } from './routes.ts'
import { PasswordChange } from './schemas.ts'

const WRONG_PASSWORD = 'The current password is not correct'

/** The refresh-token family of the (already verified) access token, when it names one. */
const sessionOf = (authorization: string | undefined) => {
  const sid = decodeJwt(authorization?.replace(/^Bearer\s+/i, '') ?? '').sid
  return typeof sid === 'string' ? sid : null
}

/**
 * PUT /users/me/password: the current password proves it is the owner, not just someone holding a token;
 * its failures count toward the same per-account and per-address limits as logins. Every other session
 * (refresh-token family) is ended; the caller's own stays.
 */
export const passwordRoutes = (deps: UserRoutesDeps) =>
  new Hono<AppEnv>().put('/', validate('json', PasswordChange), async (c) => {
    const { current_password, new_password } = c.req.valid('json')
    const user = await deps.users.findById(c.var.user.id)
    if (!user) throw new UnauthorizedError(WRONG_PASSWORD)
    const attempt = await deps.limiter.begin(user.email, deps.clientAddress(c))
    if (!(await deps.passwords.verify(current_password, user.password_hash))) {
      await deps.limiter.finish(attempt, 'failed')
      throw new UnauthorizedError(WRONG_PASSWORD)
    }
    await deps.limiter.finish(attempt, 'succeeded')
    await deps.users.setPasswordHash(user.id, await deps.passwords.hash(new_password))
    await deps.refreshTokens.revokeAll(user.id, sessionOf(c.req.header('Authorization')))
    c.var.log.info('Password changed', { user_id: user.id })
    return c.body(null, 204)
  })
