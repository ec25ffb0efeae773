import { ConflictError } from '@shop/shared/http/errors'
import { outboxMessage } from '@shop/shared/outbox/message'
import { cancelOrder, itemRefs } from './cancel-order.ts'
import { canMove, describeNext, EVENT_OF, type TargetStatus } from './fulfilment.ts'
import type { OrderDoc } from './model.ts'
import type { OrderStore } from './store.ts'

export interface MoveRequest {
  to: TargetStatus
  at: Date
  correlationId: string
  reason?: string
}

const refused = (order: OrderDoc, to: TargetStatus) =>
  new ConflictError(
    `The order is ${order.status} and cannot move to ${to}; allowed next: ${describeNext(order.status)}`,
  )

/**
 * An admin's move along the fulfilment table. The move, its history entry and its event (order.paid,
 * order.shipped, …) are one guarded write, conditioned on the status just read: of two concurrent moves
 * only one applies, and the other is told what the order became.
 */
export async function moveOrder(
  orders: OrderStore,
  order: OrderDoc,
  { to, at, correlationId, reason }: MoveRequest,
) {
  if (to === 'CANCELLED') return cancelOrder(orders, order, { at, correlationId, reason })
  if (!canMove(order.status, to)) throw refused(order, to)
  if (to === 'SHIPPED' && !order.shipping_address) {
    throw new ConflictError('The order has no shipping address, so it cannot be SHIPPED')
  }
  const id = order._id.toHexString()
  const topic = EVENT_OF[to]
  const moved = await orders.transitionFrom(order, {
    from: [order.status],
    to,
    at,
    reason,
    message: topic
      ? outboxMessage(topic, { order_id: id, items: itemRefs(order) }, { key: id, correlationId })
      : undefined,
  })
  if (moved) return moved
  const current = (await orders.findCurrent(order._id)) ?? order
  throw refused(current, to)
}
