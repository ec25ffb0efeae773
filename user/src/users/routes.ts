import type { AppEnv } from '@shop/shared/http/app-env'
import { requireAdmin, requireUser, type VerifyToken } from '@shop/shared/http/auth'
import { BusinessRuleError, NotFoundError, UnauthorizedError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { Hono, type MiddlewareHandler } from 'hono'
import { addressRoutes } from '../addresses/routes.ts'
import type { AddressStore } from '../addresses/store.ts'
import type { ClientAddress } from '../auth/client-address.ts'
import type { LoginLimiter } from '../auth/login-limiter.ts'
import type { Passwords } from '../auth/passwords.ts'
import type { RefreshTokens } from '../auth/refresh-tokens.ts'
import { toUserBody } from './body.ts'
import { passwordRoutes } from './password-routes.ts'
import { AccountChange, ProfilePatch, RoleChange, UserIdParam } from './schemas.ts'
import type { UserRow, UserStore } from './store.ts'

export interface UserRoutesDeps {
  verifyToken: VerifyToken
  users: UserStore
  addresses: AddressStore
  passwords: Passwords
  refreshTokens: RefreshTokens
  limiter: LoginLimiter
  clientAddress: ClientAddress
  wakeRelay: () => void
}

const GONE = 'The account of this token no longer exists or is disabled'

/** A valid token is not enough here: its account must still exist and be active. */
const activeAccount =
  (users: UserStore): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const user = await users.findById(c.var.user.id)
    if (!user?.is_active) throw new UnauthorizedError(GONE)
    await next()
  }

export const userRoutes = (deps: UserRoutesDeps) => {
  const { users, addresses, refreshTokens } = deps
  const withAddresses = async (user: UserRow) => toUserBody(user, await addresses.list(user.id))
  const ownAccount =
    (detail: string): MiddlewareHandler<AppEnv> =>
    async (c, next) => {
      // An admin cannot demote or disable themselves, so the last admin cannot lock everyone out of admin work.
      if (c.req.param('id') === c.var.user.id) throw new BusinessRuleError(detail)
      await next()
    }

  return new Hono<AppEnv>()
    .use(requireUser(deps.verifyToken), activeAccount(users))
    .get('/me', async (c) => {
      const user = await users.findById(c.var.user.id)
      if (!user) throw new UnauthorizedError(GONE)
      return c.json(await withAddresses(user))
    })
    .on(['PATCH', 'PUT'], '/me', validate('json', ProfilePatch), async (c) => {
      const updated = await users.update(c.var.user.id, c.req.valid('json'))
      if (!updated) throw new UnauthorizedError(GONE)
      return c.json(await withAddresses(updated))
    })
    .route('/me/password', passwordRoutes(deps))
    .route('/me/addresses', addressRoutes({ addresses, wakeRelay: deps.wakeRelay }))
    .patch(
      '/:id/role',
      requireAdmin,
      validate('param', UserIdParam),
      ownAccount('You cannot change your own role'),
      validate('json', RoleChange),
      async (c) => {
        const updated = await users.setRole(c.req.valid('param').id, c.req.valid('json').role)
        if (!updated) throw new NotFoundError('No user with this id')
        return c.json(await withAddresses(updated))
      },
    )
    .patch(
      '/:id',
      requireAdmin,
      validate('param', UserIdParam),
      ownAccount('You cannot disable your own account'),
      validate('json', AccountChange),
      async (c) => {
        const { id } = c.req.valid('param')
        const { is_active } = c.req.valid('json')
        const updated = await users.setActive(id, is_active)
        if (!updated) throw new NotFoundError('No user with this id')
        // Its access tokens live out their few minutes elsewhere; here they stop at once (activeAccount).
        if (!is_active) await refreshTokens.revokeAll(id)
        c.var.log.info('Account activation changed', { user_id: id, is_active })
        return c.json(await withAddresses(updated))
      },
    )
}
