import type { Payload } from '@shop/shared/events/topics'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import { claimOrder, endReservations, setOutcome } from '../reservations/store.ts'
import { changeFigures } from '../stock/changes.ts'
import { lockFigures } from '../stock/store.ts'
import type { Causation } from './causation.ts'

/**
 * order.cancelled: returns what the order holds to stock (or, for a product removed meanwhile, writes it off,
 * keeping it off sale). A cancellation that overtook its placement leaves a tombstone instead; a shipped order
 * holds nothing any more (its units come back only as an admin's `returned` adjustment).
 */
export async function onOrderCancelled(
  tx: TransactionSql,
  { order_id }: Payload<'order.cancelled'>,
  { correlationId }: Causation,
) {
  const known = await claimOrder(tx, order_id, 'cancelled')
  if (known === undefined || known === 'cancelled' || known === 'shipped') return
  await setOutcome(tx, order_id, 'cancelled')
  if (known === 'rejected') return

  const held = await endReservations(tx, order_id, 'released')
  if (held.length === 0) return
  const onSale = new Map(
    (
      await lockFigures(
        tx,
        held.map((h) => h.product_id),
      )
    ).map((r) => [r.product_id, r.on_sale]),
  )
  for (const { product_id, quantity } of held) {
    const change = onSale.get(product_id)
      ? { stock: quantity, reserved: -quantity }
      : { reserved: -quantity, adjustments: -quantity }
    await changeFigures(tx, product_id, change, { reason: 'released', orderId: order_id, correlationId })
  }
}
