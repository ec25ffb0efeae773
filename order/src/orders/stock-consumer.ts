import type { Payload } from '@shop/shared/events/topics'
import type { EventFor } from '@shop/shared/kafka/codec'
import type { Logger } from '@shop/shared/log'
import { ObjectId } from 'mongodb'
import type { OrderDoc } from './model.ts'
import type { OrderStore } from './store.ts'

export const DECISION_TOPICS = ['stock.reserved', 'stock.rejected'] as const
type DecisionTopic = (typeof DECISION_TOPICS)[number]

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
 * Applies inventory's decision on a PENDING order. The transition is guarded by status, so a redelivered
 * decision, a late one, or one for an order cancelled meanwhile matches nothing and changes nothing.
 */
export async function handleStockDecision(
  event: EventFor<DecisionTopic>,
  { orders, log, now }: { orders: OrderStore; log: Logger; now: Date },
) {
  const orderId = new ObjectId(event.payload.order_id)
  const fields = {
    topic: event.topic,
    event_id: event.id,
    correlation_id: event.correlationId ?? null,
    order_id: event.payload.order_id,
  }
  const rejected = event.topic === 'stock.rejected'
  // Only a rejection reads the order first: its reason names the products as the order snapshotted them.
  const reason = rejected ? rejectionReason(event.payload, await orders.findById(orderId)) : undefined
  const changed = await orders.transition(orderId, {
    from: ['PENDING'],
    to: rejected ? 'REJECTED' : 'CONFIRMED',
    at: now,
    reason,
  })
  if (changed) {
    log.info(`Order ${changed.status.toLowerCase()}: ${event.payload.order_id}`, fields)
    return
  }
  const current = await orders.findById(orderId)
  if (!current) log.warn('Stock decision for an unknown order; ignored', fields)
  else
    log.info('Stock decision ignored: the order is no longer pending', { ...fields, status: current.status })
}
