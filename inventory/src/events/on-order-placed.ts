import type { Payload } from '@shop/shared/events/topics'
import { outboxMessage } from '@shop/shared/outbox/message'
import { insertOutbox } from '@shop/shared/outbox/postgres-store'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import { findShortages, type Shortage, wantedByProduct } from '../reservations/shortages.ts'
import { claimOrder, insertReservation, setOutcome } from '../reservations/store.ts'
import { changeFigures } from '../stock/changes.ts'
import { lockFigures } from '../stock/store.ts'
import type { Causation } from './causation.ts'

export const CANCELLED_REASON = 'order was cancelled'

/**
 * order.placed: reserves every item or none. Publishes stock.reserved and one stock.updated per product, or
 * stock.rejected with the shortages. An order decided before (a redelivery under another id) changes nothing;
 * an order cancelled before its placement arrived is rejected without reserving.
 */
export async function onOrderPlaced(
  tx: TransactionSql,
  { order_id, items }: Payload<'order.placed'>,
  { correlationId }: Causation,
) {
  const reject = (shortages: Shortage[], reason: string) =>
    insertOutbox(
      tx,
      outboxMessage('stock.rejected', { order_id, shortages, reason }, { key: order_id, correlationId }),
    )

  const known = await claimOrder(tx, order_id, 'placed')
  if (known === 'cancelled') return reject([], CANCELLED_REASON)
  if (known) return

  const wanted = wantedByProduct(items)
  const rows = await lockFigures(tx, [...wanted.keys()])
  const { shortages, reason } = findShortages(wanted, rows)
  if (shortages.length > 0) {
    await setOutcome(tx, order_id, 'rejected')
    return reject(shortages, reason)
  }

  await insertOutbox(tx, outboxMessage('stock.reserved', { order_id }, { key: order_id, correlationId }))
  for (const [product_id, quantity] of wanted) {
    await insertReservation(tx, order_id, { product_id, quantity })
    await changeFigures(
      tx,
      product_id,
      { stock: -quantity, reserved: quantity },
      { reason: 'reserved', orderId: order_id, correlationId },
    )
  }
}
