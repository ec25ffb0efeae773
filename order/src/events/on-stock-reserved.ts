import type { EventFor } from '@shop/shared/kafka/codec'
import { ObjectId } from 'mongodb'
import { decisionFields, type HandlerDeps } from './deps.ts'

/**
 * Confirms a PENDING order. Two commands when nothing raced it (see OrderStore.decide); a redelivered or late
 * reservation, or one for an order cancelled meanwhile, finds seq 2 taken, reads the log and changes nothing.
 */
export async function onStockReserved(
  event: EventFor<'stock.reserved'>,
  { orders, log, now }: Pick<HandlerDeps, 'orders' | 'log' | 'now'>,
) {
  const fields = decisionFields(event)
  const orderId = new ObjectId(event.payload.order_id)
  const status = await orders.decide(orderId, { to: 'CONFIRMED', at: now() })
  if (status) {
    log.info(`Order confirmed: ${event.payload.order_id}`, fields)
    return
  }
  const current = await orders.findById(orderId)
  if (!current) log.warn('Stock decision for an unknown order; ignored', fields)
  else
    log.info('Stock decision ignored: the order is no longer pending', { ...fields, status: current.status })
}
