import type { AppEnv } from '@shop/shared/http/app-env'
import { requireUser, type VerifyToken } from '@shop/shared/http/auth'
import { ConflictError, ForbiddenError, NotFoundError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { outboxMessage } from '@shop/shared/outbox/message'
import { Hono } from 'hono'
import { ObjectId } from 'mongodb'
import type { CatalogueStore } from '../catalogue/store.ts'
import type { IdempotencyStore } from '../idempotency/store.ts'
import { CANCELLABLE, type OrderDoc, orderView } from './model.ts'
import { placeOrder } from './place-order.ts'
import { IdempotencyHeader, ListOrdersQuery, OrderIdParam, PlaceOrder } from './schemas.ts'
import type { OrderStore } from './store.ts'

export interface OrderRouteDeps {
  orders: OrderStore
  catalogue: CatalogueStore
  idempotencyKeys: IdempotencyStore
  verify: VerifyToken
  now: () => Date
  /** Tells the outbox relay to look now rather than at its next poll. */
  wakeOutbox: () => void
}

const REPLAYED_HEADER = 'Idempotent-Replayed'

export const orderRoutes = (deps: OrderRouteDeps) => {
  const { orders, verify, now } = deps

  /** Another user's order is a 404, not a 403: its existence is none of the caller's business. */
  const findVisible = async (id: string, user: AppEnv['Variables']['user']) => {
    const order = await orders.findById(new ObjectId(id))
    if (!order || (user.role !== 'admin' && order.user_id !== user.id)) {
      throw new NotFoundError(`No order ${id}`)
    }
    return order
  }

  return new Hono<AppEnv>()
    .use(requireUser(verify))
    .post('/', validate('header', IdempotencyHeader), validate('json', PlaceOrder), async (c) => {
      const { order, created } = await placeOrder(deps, {
        userId: c.var.user.id,
        body: c.req.valid('json'),
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        correlationId: c.var.requestId,
        now: now(),
      })
      if (created) deps.wakeOutbox()
      c.header('Location', `/api/v1/orders/${order._id.toHexString()}`)
      if (!created) c.header(REPLAYED_HEADER, 'true')
      return c.json(orderView(order), created ? 201 : 200)
    })
    .get('/', validate('query', ListOrdersQuery), async (c) => {
      const { skip, limit, user_id, status } = c.req.valid('query')
      const user = c.var.user
      if (user.role !== 'admin' && user_id !== undefined && user_id !== user.id) {
        throw new ForbiddenError("Only an admin can list other users' orders")
      }
      const owner = user.role === 'admin' ? user_id : user.id
      const { items, total } = await orders.list({ user_id: owner, status }, skip, limit)
      c.header('X-Total-Count', String(total))
      return c.json(items.map(orderView))
    })
    .get('/:id', validate('param', OrderIdParam), async (c) => {
      return c.json(orderView(await findVisible(c.req.valid('param').id, c.var.user)))
    })
    .post('/:id/cancel', validate('param', OrderIdParam), async (c) => {
      const order: OrderDoc = await findVisible(c.req.valid('param').id, c.var.user)
      const items = order.items.map(({ product_id, quantity }) => ({ product_id, quantity }))
      const cancelled = await orders.transition(order._id, {
        from: CANCELLABLE,
        to: 'CANCELLED',
        at: now(),
        message: outboxMessage(
          'order.cancelled',
          { order_id: order._id.toHexString(), items },
          { key: order._id.toHexString(), correlationId: c.var.requestId },
        ),
      })
      if (!cancelled) {
        const current = (await orders.findById(order._id)) ?? order
        throw new ConflictError(`The order is ${current.status} and can no longer be cancelled`)
      }
      deps.wakeOutbox()
      return c.json(orderView(cancelled))
    })
}
