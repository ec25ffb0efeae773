import { outboxMessage } from '@shop/shared/outbox/message'
import { insertOutbox } from '@shop/shared/outbox/postgres-store'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import { figureColumns, type StockFigures } from './figures.ts'
import { type Cause, type Deltas, insertMovement } from './ledger.ts'
import { stockUpdated } from './stock-events.ts'

/** A change of a product's figures; `adjustments` keeps conservation when units enter or leave the books. */
export interface Change extends Partial<Deltas> {
  adjustments?: number
}

/**
 * The one way a product's figures change: moves them, bumps the version, appends the ledger row, writes the
 * stock.updated outbox row and, on a crossing of the reorder threshold, stock.low, all in the caller's
 * transaction (which holds the row lock).
 */
export async function changeFigures(tx: TransactionSql, productId: string, change: Change, cause: Cause) {
  const deltas: Deltas = {
    stock: change.stock ?? 0,
    reserved: change.reserved ?? 0,
    shipped: change.shipped ?? 0,
  }
  const [row]: [StockFigures?] = await tx`
    UPDATE stock SET stock = stock + ${deltas.stock}, reserved = reserved + ${deltas.reserved},
      shipped = shipped + ${deltas.shipped}, adjustments = adjustments + ${change.adjustments ?? 0},
      version = version + 1, updated_at = now()
    WHERE product_id = ${productId}
    RETURNING ${figureColumns(tx)}`
  if (!row) throw new Error(`stock row ${productId} vanished while locked`)
  await recordChange(tx, row, deltas, cause)
  return row
}

/** What follows every change (also a product's first figures): ledger row, stock.updated, stock.low check. */
export async function recordChange(tx: TransactionSql, row: StockFigures, deltas: Deltas, cause: Cause) {
  await insertMovement(tx, row, deltas, cause)
  await insertOutbox(
    tx,
    stockUpdated(row, {
      reason: cause.reason,
      change: deltas.stock,
      orderId: cause.orderId,
      correlationId: cause.correlationId,
    }),
  )
  await checkLowStock(tx, row, cause.correlationId)
}

/**
 * Publishes stock.low when a product on sale is at or below its threshold and was not already reported for
 * this crossing; a refill above the threshold re-arms it.
 */
export async function checkLowStock(tx: TransactionSql, row: StockFigures, correlationId?: string | null) {
  const low = row.on_sale && row.stock <= row.reorder_threshold
  if (low === row.low_notified) return
  await tx`UPDATE stock SET low_notified = ${low} WHERE product_id = ${row.product_id}`
  if (!low) return
  const payload = { product_id: row.product_id, stock: row.stock, reorder_threshold: row.reorder_threshold }
  await insertOutbox(tx, outboxMessage('stock.low', payload, { key: row.product_id, correlationId }))
}
