import type { StockChangeReason } from '@shop/shared/events/schemas'
import type { Sql, TransactionSql } from '@shop/shared/postgres/connect'
import type { z } from 'zod'
import type { StockFigures } from './figures.ts'

export type Reason = z.output<typeof StockChangeReason>

/** How each figure moved in one change. */
export interface Deltas {
  stock: number
  reserved: number
  shipped: number
}

/** Why a change happened: its reason, the order or admin behind it, and the request or event that caused it. */
export interface Cause {
  reason: Reason
  orderId?: string
  actor?: string
  correlationId?: string | null
}

/** One ledger row as the history lists it. */
export interface Movement {
  version: number
  reason: Reason
  order_id: string | null
  stock_change: number
  reserved_change: number
  shipped_change: number
  stock: number
  reserved: number
  shipped: number
  actor: string | null
  correlation_id: string | null
  created_at: Date
}

/** Appends the ledger row of a change, in the change's transaction; its version is the row's new version. */
export async function insertMovement(tx: TransactionSql, row: StockFigures, deltas: Deltas, cause: Cause) {
  await tx`
    INSERT INTO stock_movements (product_id, version, reason, order_id, stock_change, reserved_change,
      shipped_change, stock, reserved, shipped, actor, correlation_id)
    VALUES (${row.product_id}, ${row.version}, ${cause.reason}, ${cause.orderId ?? null}, ${deltas.stock},
      ${deltas.reserved}, ${deltas.shipped}, ${row.stock}, ${row.reserved}, ${row.shipped},
      ${cause.actor ?? null}, ${cause.correlationId ?? null})`
}

/** A product's ledger, newest first, and how many rows it has; undefined when the product is unknown. */
export async function listMovements(
  sql: Sql,
  productId: string,
  { skip, limit }: { skip: number; limit: number },
) {
  const [known] = await sql`SELECT 1 FROM stock WHERE product_id = ${productId}`
  if (!known) return undefined
  const [items, [count]] = await Promise.all([
    sql<Movement[]>`
      SELECT version, reason, order_id, stock_change, reserved_change, shipped_change, stock, reserved, shipped,
             actor, correlation_id, created_at
      FROM stock_movements WHERE product_id = ${productId}
      ORDER BY version DESC LIMIT ${limit} OFFSET ${skip}`,
    sql<
      { total: number }[]
    >`SELECT count(*)::int AS total FROM stock_movements WHERE product_id = ${productId}`,
  ])
  return { items, total: count?.total ?? 0 }
}
