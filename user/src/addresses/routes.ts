import type { AppEnv } from '@shop/shared/http/app-env'
import { NotFoundError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { Hono } from 'hono'
import { toAddressBody } from './body.ts'
import { AddressIdParam, NewAddress } from './schemas.ts'
import type { AddressStore } from './store.ts'

const NO_SUCH_ADDRESS = 'No such address on this account'

/** Mounted under /users/me/addresses, behind the users routes' token check. */
export const addressRoutes = ({ addresses, wakeRelay }: { addresses: AddressStore; wakeRelay: () => void }) =>
  new Hono<AppEnv>()
    .post('/', validate('json', NewAddress), async (c) => {
      const address = await addresses.add(c.var.user.id, c.req.valid('json'), c.var.requestId)
      wakeRelay()
      return c.json(toAddressBody(address), 201)
    })
    .get('/', async (c) => c.json((await addresses.list(c.var.user.id)).map(toAddressBody)))
    .get('/:id', validate('param', AddressIdParam), async (c) => {
      const address = await addresses.get(c.var.user.id, c.req.valid('param').id)
      if (!address) throw new NotFoundError(NO_SUCH_ADDRESS)
      return c.json(toAddressBody(address))
    })
    .delete('/:id', validate('param', AddressIdParam), async (c) => {
      const removed = await addresses.remove(c.var.user.id, c.req.valid('param').id, c.var.requestId)
      if (!removed) throw new NotFoundError(NO_SUCH_ADDRESS)
      wakeRelay()
      return c.body(null, 204)
    })
