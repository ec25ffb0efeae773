import type { Payload } from '@shop/shared/events/topics'
import type { EventFor } from '@shop/shared/kafka/codec'
import { ObjectId } from 'mongodb'
import type { OrderDoc } from '../orders/model.ts'
import { decisionFields, type HandlerDeps } from './deps.ts'

const FALLBACK_REASON = 'Stock could not be reserved'

/** Says why in words a customer can read, naming the products by the names the order snapshotted. */
export function rejectionReason(payload: Payload<'stock.rejected'>, order: OrderDoc | undefined) {
  if (payload.shortages.length === 0) return payload.reason ?? FALLBACK_REASON
  const nameOf = (productId: string) =>
    order?.items.find((item) => item.product_id === productId)?.name ?? productId
  const parts = payload.shortages.map(
    ({ product_id, requested, available }) =>
      `${nameOf(product_id)} (${product_id}): ${requested} requested, ${available} available`,
  )
  return `Insufficient stock: ${parts.join('; ')}`
}

/**
 * Rejects a PENDING order. It reads the order first (its reason names the products as the order
 * snapshotted them), then moves it from there; a redelivery or a late rejection changes nothing.
 */
export async function onStockRejected(
  event: EventFor<'stock.rejected'>,
  { orders, log, now }: Pick<HandlerDeps, 'orders' | 'log' | 'now'>,
) {
  const fields = decisionFields(event)
  const order = await orders.findById(new ObjectId(event.payload.order_id))
  if (!order) {
    log.warn('Stock decision for an unknown order; ignored', fields)
    return
  }
  const rejected = await orders.transitionFrom(order, {
    from: ['PENDING'],
    to: 'REJECTED',
    at: now(),
    reason: rejectionReason(event.payload, order),
  })
  if (rejected) log.info(`Order rejected: ${event.payload.order_id}`, fields)
  else log.info('Stock decision ignored: the order is no longer pending', { ...fields, status: order.status })
}
