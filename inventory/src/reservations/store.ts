import type { Payload } from '@shop/shared/events/topics'
import { outboxMessage } from '@shop/shared/outbox/message'
import { insertOutbox } from '@shop/shared/outbox/postgres-store'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import type { Causation } from '../stock/product-events.ts'
import { type StockLevels, stockUpdated } from '../stock/stock-events.ts'
import { byProductId, findShortages, type StockOnHand, wantedByProduct } from './shortages.ts'

export const CANCELLED_REASON = 'order was cancelled'

type OrderState = 'placed' | 'rejected' | 'cancelled'

/**
 * Records `state` for an order heard of for the first time (undefined), or locks the outcome it already has
 * and returns it. Placement and cancellation of one order arrive on different topics and may run at once;
 * this row lock serialises them. Locks are always taken outcome first, then stock rows in product id order.
 */
async function claimOrder(tx: TransactionSql, orderId: string, state: OrderState) {
  const [fresh] = await tx`
    INSERT INTO order_outcomes (order_id, state) VALUES (${orderId}, ${state})
    ON CONFLICT (order_id) DO NOTHING
    RETURNING order_id`
  if (fresh) return undefined
  const [outcome]: [{ state: OrderState }?] = await tx`
    SELECT state FROM order_outcomes WHERE order_id = ${orderId} FOR UPDATE`
  if (!outcome) throw new Error(`order outcome ${orderId} vanished while locked`)
  return outcome.state
}

const setState = (tx: TransactionSql, orderId: string, state: OrderState) =>
  tx`UPDATE order_outcomes SET state = ${state}, updated_at = now() WHERE order_id = ${orderId}`

/**
 * order.placed: reserves every item or none. Publishes stock.reserved and one stock.updated per product, or
 * stock.rejected with the shortages. An order decided before (a redelivery under another id) changes nothing;
 * an order cancelled before its placement arrived is rejected without reserving.
 */
export async function reserveOrder(
  tx: TransactionSql,
  { order_id, items }: Payload<'order.placed'>,
  { correlationId }: Causation,
) {
  const reject = (shortages: ReturnType<typeof findShortages>['shortages'], reason: string) =>
    insertOutbox(
      tx,
      outboxMessage('stock.rejected', { order_id, shortages, reason }, { key: order_id, correlationId }),
    )

  const known = await claimOrder(tx, order_id, 'placed')
  if (known === 'cancelled') return reject([], CANCELLED_REASON)
  if (known) return

  const wanted = wantedByProduct(items)
  const rows = await tx<StockOnHand[]>`
    SELECT product_id, stock, deleted_at IS NULL AS on_sale
    FROM stock WHERE product_id IN ${tx([...wanted.keys()])}
    ORDER BY product_id COLLATE "C" FOR UPDATE`
  const { shortages, reason } = findShortages(wanted, rows)
  if (shortages.length > 0) {
    await setState(tx, order_id, 'rejected')
    return reject(shortages, reason)
  }

  await insertOutbox(tx, outboxMessage('stock.reserved', { order_id }, { key: order_id, correlationId }))
  for (const [product_id, quantity] of wanted) {
    const [row]: [StockLevels?] = await tx`
      UPDATE stock SET stock = stock - ${quantity}, reserved = reserved + ${quantity}, updated_at = now()
      WHERE product_id = ${product_id}
      RETURNING product_id, stock, reserved`
    if (!row) throw new Error(`stock row ${product_id} vanished while locked`)
    await tx`
      INSERT INTO reservations (order_id, product_id, quantity, status)
      VALUES (${order_id}, ${product_id}, ${quantity}, 'reserved')`
    const change = -quantity
    await insertOutbox(
      tx,
      stockUpdated(row, { reason: 'reserved', change, orderId: order_id, correlationId }),
    )
  }
}

/**
 * order.cancelled: returns what the order holds to stock (or, for a product removed meanwhile, writes it off,
 * keeping it off sale). A cancellation that overtook its placement leaves a tombstone instead.
 */
export async function releaseOrder(
  tx: TransactionSql,
  { order_id }: Payload<'order.cancelled'>,
  { correlationId }: Causation,
) {
  const known = await claimOrder(tx, order_id, 'cancelled')
  if (known === undefined || known === 'cancelled') return
  await setState(tx, order_id, 'cancelled')
  if (known === 'rejected') return

  const held = await tx<{ product_id: string; quantity: number }[]>`
    UPDATE reservations SET status = 'released', updated_at = now()
    WHERE order_id = ${order_id} AND status = 'reserved'
    RETURNING product_id, quantity`
  // Row locks in product id order, as every other writer takes them.
  for (const { product_id, quantity } of held.sort(byProductId)) {
    const [row]: [(StockLevels & { on_sale: boolean })?] = await tx`
      UPDATE stock SET
        stock = CASE WHEN deleted_at IS NULL THEN stock + ${quantity} ELSE stock END,
        adjustments = CASE WHEN deleted_at IS NULL THEN adjustments ELSE adjustments - ${quantity} END,
        reserved = reserved - ${quantity},
        updated_at = now()
      WHERE product_id = ${product_id}
      RETURNING product_id, stock, reserved, deleted_at IS NULL AS on_sale`
    if (!row) throw new Error(`stock row ${product_id} vanished while reserved`)
    const change = row.on_sale ? quantity : 0
    await insertOutbox(
      tx,
      stockUpdated(row, { reason: 'released', change, orderId: order_id, correlationId }),
    )
  }
}
