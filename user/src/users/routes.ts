import type { AppEnv } from '@shop/shared/http/app-env'
import { requireAdmin, requireUser, type VerifyToken } from '@shop/shared/http/auth'
import { BusinessRuleError, NotFoundError, UnauthorizedError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { Hono, type MiddlewareHandler } from 'hono'
import { addressRoutes } from '../addresses/routes.ts'
import type { AddressStore } from '../addresses/store.ts'
import { toUserBody } from './body.ts'
import { ProfilePatch, RoleChange, UserIdParam } from './schemas.ts'
import type { UserRow, UserStore } from './store.ts'

export interface UserRoutesDeps {
  verify: VerifyToken
  users: UserStore
  addresses: AddressStore
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

export const userRoutes = ({ verify, users, addresses }: UserRoutesDeps) => {
  const withAddresses = async (user: UserRow) => toUserBody(user, await addresses.list(user.id))

  return new Hono<AppEnv>()
    .use(requireUser(verify), activeAccount(users))
    .get('/me', async (c) => {
      const user = await users.findById(c.var.user.id)
      if (!user) throw new UnauthorizedError(GONE)
      return c.json(await withAddresses(user))
    })
    .patch('/me', validate('json', ProfilePatch), async (c) => {
      const updated = await users.update(c.var.user.id, c.req.valid('json'))
      if (!updated) throw new UnauthorizedError(GONE)
      return c.json(await withAddresses(updated))
    })
    .route('/me/addresses', addressRoutes({ addresses }))
    .patch(
      '/:id/role',
      requireAdmin,
      validate('param', UserIdParam),
      validate('json', RoleChange),
      async (c) => {
        const { id } = c.req.valid('param')
        // An admin cannot demote themselves, so the last admin cannot lock everyone out of admin work.
        if (id === c.var.user.id) throw new BusinessRuleError('You cannot change your own role')
        const updated = await users.setRole(id, c.req.valid('json').role)
        if (!updated) throw new NotFoundError('No user with this id')
        return c.json(await withAddresses(updated))
      },
    )
}
