import type { Sql, TransactionSql } from '@shop/shared/postgres/connect'

/** What this service decided about an order: placed (holding stock), rejected, cancelled, or shipped. */
export type OrderState = 'placed' | 'rejected' | 'cancelled' | 'shipped'

export interface Held {
  product_id: string
  quantity: number
}

/**
 * Records `state` for an order heard of for the first time (undefined), or locks the outcome it already has
 * and returns it. Placement, cancellation and shipment of one order arrive on different topics and may run at
 * once; this row lock serialises them. Locks are always taken outcome first, then stock rows in product order.
 */
export async function claimOrder(tx: TransactionSql, orderId: string, state: OrderState) {
  const [fresh] = await tx`
    INSERT INTO order_outcomes (order_id, state) VALUES (${orderId}, ${state})
    ON CONFLICT (order_id) DO NOTHING
    RETURNING order_id`
  if (fresh) return undefined
  const outcome = await lockOutcome(tx, orderId)
  if (!outcome) throw new Error(`order outcome ${orderId} vanished while locked`)
  return outcome
}

/** The outcome of an order, locked; undefined when the order was never heard of. */
export async function lockOutcome(tx: TransactionSql, orderId: string) {
  const [outcome]: [{ state: OrderState }?] = await tx`
    SELECT state FROM order_outcomes WHERE order_id = ${orderId} FOR UPDATE`
  return outcome?.state
}

export const setOutcome = (tx: TransactionSql, orderId: string, state: OrderState) =>
  tx`UPDATE order_outcomes SET state = ${state}, updated_at = now() WHERE order_id = ${orderId}`

export const insertReservation = (tx: TransactionSql, orderId: string, { product_id, quantity }: Held) =>
  tx`
    INSERT INTO reservations (order_id, product_id, quantity, status)
    VALUES (${orderId}, ${product_id}, ${quantity}, 'reserved')`

/** Ends what an order holds (released or shipped) and returns it, in product id order. */
export async function endReservations(tx: TransactionSql, orderId: string, status: 'released' | 'shipped') {
  const held = await tx<Held[]>`
    UPDATE reservations SET status = ${status}, updated_at = now()
    WHERE order_id = ${orderId} AND status = 'reserved'
    RETURNING product_id, quantity`
  return [...held].sort((a, b) => (a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0))
}

/**
 * Deletes what is only kept to recognise repeats, once past retention: ended reservations and the outcomes of
 * orders that hold nothing (rejected, cancelled, shipped). Returns how many rows went.
 */
export async function pruneFinishedOrders(sql: Sql, before: Date) {
  return sql.begin(async (tx) => {
    const reservations = await tx`
      DELETE FROM reservations r USING order_outcomes o
      WHERE r.order_id = o.order_id AND o.state <> 'placed' AND o.updated_at < ${before}
      RETURNING r.order_id`
    const outcomes = await tx`
      DELETE FROM order_outcomes o WHERE o.state <> 'placed' AND o.updated_at < ${before}
        AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = o.order_id AND r.status = 'reserved')
      RETURNING order_id`
    return reservations.length + outcomes.length
  })
}
