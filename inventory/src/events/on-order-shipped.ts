import type { Payload } from '@shop/shared/events/topics'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import { endReservations, lockOutcome, setOutcome } from '../reservations/store.ts'
import { changeFigures } from '../stock/changes.ts'
import { lockFigures } from '../stock/store.ts'
import type { Causation } from './causation.ts'

/**
 * order.shipped: the units an order holds leave the warehouse: reserved goes down, shipped up, stock (what can
 * be ordered) stays. Only an order holding stock ships; any other (unknown, rejected, cancelled, already
 * shipped) changes nothing.
 */
export async function onOrderShipped(
  tx: TransactionSql,
  { order_id }: Payload<'order.shipped'>,
  { correlationId }: Causation,
) {
  if ((await lockOutcome(tx, order_id)) !== 'placed') return
  await setOutcome(tx, order_id, 'shipped')
  const held = await endReservations(tx, order_id, 'shipped')
  if (held.length === 0) return
  await lockFigures(
    tx,
    held.map((h) => h.product_id),
  )
  for (const { product_id, quantity } of held) {
    await changeFigures(
      tx,
      product_id,
      { reserved: -quantity, shipped: quantity },
      { reason: 'shipped', orderId: order_id, correlationId },
    )
  }
}
