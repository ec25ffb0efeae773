import type { Sql, TransactionSql } from '@shop/shared/postgres/connect'

/** A product's figures and bookkeeping as every writer reads them back. */
export interface StockFigures {
  product_id: string
  stock: number
  reserved: number
  shipped: number
  version: number
  reorder_threshold: number
  low_notified: boolean
  on_sale: boolean
}

/** The columns of StockFigures, for RETURNING and SELECT. */
export const figureColumns = (sql: Sql | TransactionSql) =>
  sql`product_id, stock, reserved, shipped, version, reorder_threshold, low_notified, deleted_at IS NULL AS on_sale`

/** The seed's default reorder level: the larger of 5 and 10 % of the initial quantity. */
export const defaultReorderThreshold = (initial: number) => Math.max(5, Math.floor(initial / 10))
