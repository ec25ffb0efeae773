import type { AppEnv } from '@shop/shared/http/app-env'
import { requireAdmin, requireUser, type VerifyToken } from '@shop/shared/http/auth'
import { ForbiddenError, NotFoundError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { type Context, Hono } from 'hono'
import { ObjectId } from 'mongodb'
import { resolveShippingAddress } from '../addresses/resolve.ts'
import type { AddressStore } from '../addresses/store.ts'
import type { CatalogueStore } from '../catalogue/store.ts'
import type { IdempotencyStore } from '../idempotency/store.ts'
import { cancelOrder } from './cancel-order.ts'
import { moveOrder } from './fulfilment-move.ts'
import { type OrderDoc, orderView } from './model.ts'
import { placeOrder } from './place-order.ts'
import {
  ChangeStatus,
  IdempotencyHeader,
  ListOrdersQuery,
  OrderIdParam,
  PlaceOrder,
  UserIdParam,
  UserOrdersQuery,
} from './schemas.ts'
import type { OrderStore } from './store.ts'
import type { OrderWaiters } from './wait.ts'
import { preferredWait, waitForDecision } from './wait.ts'

export interface OrderRouteDeps {
  orders: OrderStore
  catalogue: CatalogueStore
  idempotencyKeys: IdempotencyStore
  addresses: AddressStore
  verify: VerifyToken
  now: () => Date
  /** Tells the outbox relay to look now rather than at its next poll. */
  wakeRelay: () => void
  /** Requests waiting on `Prefer: wait=N` (see wait.ts). */
  waiters: OrderWaiters
}

type User = AppEnv['Variables']['user']

const REPLAYED_HEADER = 'Idempotent-Replayed'

/** A customer acts for themself only; an admin for anyone. */
const assertActsFor = (user: User, userId: string, what: string) => {
  if (user.role !== 'admin' && userId !== user.id) throw new ForbiddenError(`Only an admin can ${what}`)
}

export const orderRoutes = (deps: OrderRouteDeps) => {
  const { orders, addresses, verify, now } = deps

  /**
   * Another user's order is a 404, not a 403: its existence is none of the caller's business. A change reads
   * the order's log (`current`), so it decides on what the order is, not on a projection that may lag.
   */
  const findVisible = async (id: string, user: User, { current = false } = {}) => {
    const order = current
      ? await orders.findCurrent(new ObjectId(id))
      : await orders.findById(new ObjectId(id))
    if (!order || (user.role !== 'admin' && order.user_id !== user.id)) {
      throw new NotFoundError(`No order ${id}`)
    }
    return order
  }

  const cancelVisible = async (id: string, user: User, correlationId: string) => {
    const order = await findVisible(id, user, { current: true })
    const cancelled = await cancelOrder(orders, order, { at: now(), correlationId })
    deps.wakeRelay()
    return orderView(cancelled)
  }

  const moveVisible = async (id: string, user: User, correlationId: string, change: ChangeStatus) => {
    const order = await findVisible(id, user, { current: true })
    const moved = await moveOrder(orders, order, {
      to: change.status,
      reason: change.reason,
      at: now(),
      correlationId,
    })
    deps.wakeRelay()
    return orderView(moved)
  }

  /** RFC 7240 `Prefer: wait=N`: the order once it is decided, or as it is after N seconds. */
  const honourWait = async (c: Context<AppEnv>, order: OrderDoc) => {
    const seconds = preferredWait(c.req.header('Prefer'))
    if (seconds === undefined) return order
    c.header('Preference-Applied', `wait=${seconds}`)
    c.header('Vary', 'Prefer')
    return waitForDecision(deps, order, seconds)
  }

  return (
    new Hono<AppEnv>()
      .use(requireUser(verify))
      .post('/', validate('header', IdempotencyHeader), validate('json', PlaceOrder), async (c) => {
        const body = c.req.valid('json')
        const owner = body.user_id ?? c.var.user.id
        assertActsFor(c.var.user, owner, 'place an order for another user')
        const { order, created } = await placeOrder(deps, {
          userId: owner,
          body,
          ...(await resolveShippingAddress(addresses, owner, body)),
          idempotencyKey: c.req.valid('header')['idempotency-key'],
          correlationId: c.var.requestId,
          now: now(),
        })
        if (created) deps.wakeRelay()
        c.header('Location', `/api/v1/orders/${order._id.toHexString()}`)
        if (!created) c.header(REPLAYED_HEADER, 'true')
        return c.json(orderView(await honourWait(c, order)), created ? 201 : 200)
      })
      .get('/', validate('query', ListOrdersQuery), async (c) => {
        const { skip, limit, user_id, status } = c.req.valid('query')
        const user = c.var.user
        if (user_id !== undefined) assertActsFor(user, user_id, "list other users' orders")
        const owner = user.role === 'admin' ? user_id : user.id
        const { items, total } = await orders.list({ user_id: owner, status }, skip, limit)
        c.header('X-Total-Count', String(total))
        return c.json(items.map(orderView))
      })
      .get(
        '/user/:user_id',
        validate('param', UserIdParam),
        validate('query', UserOrdersQuery),
        async (c) => {
          const { user_id } = c.req.valid('param')
          assertActsFor(c.var.user, user_id, "list other users' orders")
          const { skip, limit, status } = c.req.valid('query')
          const { items, total } = await orders.list({ user_id, status }, skip, limit)
          c.header('X-Total-Count', String(total))
          return c.json(items.map(orderView))
        },
      )
      .get('/:id', validate('param', OrderIdParam), async (c) => {
        return c.json(orderView(await honourWait(c, await findVisible(c.req.valid('param').id, c.var.user))))
      })
      // The seed's PUT and our PATCH are the same admin move.
      .patch(
        '/:id/status',
        requireAdmin,
        validate('param', OrderIdParam),
        validate('json', ChangeStatus),
        async (c) =>
          c.json(
            await moveVisible(c.req.valid('param').id, c.var.user, c.var.requestId, c.req.valid('json')),
          ),
      )
      .put(
        '/:id/status',
        requireAdmin,
        validate('param', OrderIdParam),
        validate('json', ChangeStatus),
        async (c) =>
          c.json(
            await moveVisible(c.req.valid('param').id, c.var.user, c.var.requestId, c.req.valid('json')),
          ),
      )
      // A customer cancels their own order until it ships; the seed's DELETE is the same cancellation.
      .post('/:id/cancel', validate('param', OrderIdParam), async (c) =>
        c.json(await cancelVisible(c.req.valid('param').id, c.var.user, c.var.requestId)),
      )
      .delete('/:id', validate('param', OrderIdParam), async (c) =>
        c.json(await cancelVisible(c.req.valid('param').id, c.var.user, c.var.requestId)),
      )
  )
}
