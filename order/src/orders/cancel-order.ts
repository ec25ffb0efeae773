import { ConflictError } from '@shop/shared/http/errors'
import { outboxMessage } from '@shop/shared/outbox/message'
import { describeNext, PAID_STATUSES } from './fulfilment.ts'
import { CANCELLABLE, type OrderDoc, type OrderStatus } from './model.ts'
import type { OrderStore } from './store.ts'

export interface CancelRequest {
  at: Date
  correlationId: string
  reason?: string
}

/** Another process may move the order between our read and our write; we read again this many times. */
const ATTEMPTS = 3

const tooLate = (status: OrderStatus) =>
  new ConflictError(
    `The order is ${status} and can no longer be cancelled; allowed next: ${describeNext(status)}`,
  )

export const itemRefs = (order: OrderDoc) =>
  order.items.map(({ product_id, quantity }) => ({ product_id, quantity }))

/**
 * Cancels an order that has not shipped yet: one guarded write moves it to CANCELLED and puts
 * order.cancelled in its outbox, so inventory returns the reserved units. A cancellation after payment
 * (PAID, PROCESSING) records a refund in the history. The write is guarded by the status just read (from the
 * order's log), so a concurrent move (a payment, a shipment, a second cancel) makes it miss; we then read
 * the log again and decide on what the order has become.
 */
export async function cancelOrder(
  orders: OrderStore,
  order: OrderDoc,
  { at, correlationId, reason }: CancelRequest,
) {
  let current = order
  for (let attempt = 1; ; attempt++) {
    if (!CANCELLABLE.includes(current.status)) {
      throw tooLate(current.status)
    }
    const refund = PAID_STATUSES.includes(current.status)
    const id = current._id.toHexString()
    const cancelled = await orders.transitionFrom(current, {
      from: [current.status],
      to: 'CANCELLED',
      at,
      reason: reason ?? (refund ? 'Cancelled after payment: the payment is refunded' : undefined),
      ...(refund ? { refund } : {}),
      message: outboxMessage(
        'order.cancelled',
        { order_id: id, items: itemRefs(current) },
        { key: id, correlationId },
      ),
    })
    if (cancelled) return cancelled
    const reread = await orders.findCurrent(current._id)
    if (!reread || attempt === ATTEMPTS) {
      throw reread ? tooLate(reread.status) : new ConflictError('The order is gone')
    }
    current = reread
  }
}
