import type { Sql, TransactionSql } from '@shop/shared/postgres/connect'
import { defaultReorderThreshold, figureColumns, type StockFigures } from './figures.ts'
import type { StockView } from './schemas.ts'

export interface ListOptions {
  skip: number
  limit: number
  lowStockBelow?: number
  /** Only products at or below their reorder threshold. */
  lowStock?: boolean
}

const viewColumns = (sql: Sql) => sql`product_id, stock, reserved, shipped, reorder_threshold, updated_at`

/** Reads for the HTTP API: products on sale only. */
export function createStockStore(sql: Sql) {
  return {
    /** The entry of a product on sale; undefined when unknown or removed. */
    async get(productId: string) {
      const [row]: [StockView?] = await sql`
        SELECT ${viewColumns(sql)} FROM stock WHERE product_id = ${productId} AND deleted_at IS NULL`
      return row
    },

    async list({ skip, limit, lowStockBelow, lowStock }: ListOptions) {
      const below = lowStockBelow === undefined ? sql`` : sql`AND stock < ${lowStockBelow}`
      const low = lowStock ? sql`AND stock <= reorder_threshold` : sql``
      const [rows, [count]] = await Promise.all([
        sql<StockView[]>`
          SELECT ${viewColumns(sql)} FROM stock WHERE deleted_at IS NULL ${below} ${low}
          ORDER BY product_id LIMIT ${limit} OFFSET ${skip}`,
        sql<{ total: number }[]>`
          SELECT count(*)::int AS total FROM stock WHERE deleted_at IS NULL ${below} ${low}`,
      ])
      return { items: rows, total: count?.total ?? 0 }
    },
  }
}

export type StockStore = ReturnType<typeof createStockStore>

/** Locks the rows of these products (those that exist) in product id order, the order every writer uses. */
export const lockFigures = (tx: TransactionSql, productIds: string[]) =>
  tx<StockFigures[]>`
    SELECT ${figureColumns(tx)} FROM stock WHERE product_id IN ${tx(productIds)}
    ORDER BY product_id COLLATE "C" FOR UPDATE`

export interface NewProduct {
  product_id: string
  name: string
  quantity: number
  version: number
}

/**
 * A product's stock entry with its initial quantity, version 1; undefined when one already exists (a newer
 * product.updated created it, or a deletion left its tombstone).
 */
export async function insertEntry(tx: TransactionSql, { product_id, name, quantity, version }: NewProduct) {
  const [row]: [StockFigures?] = await tx`
    INSERT INTO stock (product_id, name, stock, initial, version, product_version, reorder_threshold)
    VALUES (${product_id}, ${name}, ${quantity}, ${quantity}, 1, ${version}, ${defaultReorderThreshold(quantity)})
    ON CONFLICT (product_id) DO NOTHING
    RETURNING ${figureColumns(tx)}`
  return row
}

/**
 * Creates the entry (as insertEntry) or renames it when the event is newer than what was applied; `created`
 * says which. A stale event changes nothing.
 */
export async function upsertEntry(tx: TransactionSql, { product_id, name, quantity, version }: NewProduct) {
  const [row]: [(StockFigures & { created: boolean })?] = await tx`
    INSERT INTO stock (product_id, name, stock, initial, version, product_version, reorder_threshold)
    VALUES (${product_id}, ${name}, ${quantity}, ${quantity}, 1, ${version}, ${defaultReorderThreshold(quantity)})
    ON CONFLICT (product_id) DO UPDATE SET name = excluded.name, product_version = excluded.product_version
      WHERE stock.product_version < excluded.product_version
    RETURNING ${figureColumns(tx)}, xmax = 0 AS created`
  return row
}

/** The off-sale placeholder of a product deleted before its creation arrived; false when an entry exists. */
export async function insertTombstone(tx: TransactionSql, productId: string, version: number) {
  const [row] = await tx`
    INSERT INTO stock (product_id, name, stock, initial, version, product_version, reorder_threshold, deleted_at)
    VALUES (${productId}, '', 0, 0, 0, ${version}, 0, now())
    ON CONFLICT (product_id) DO NOTHING
    RETURNING product_id`
  return row !== undefined
}

/** Takes a product off sale; returns its orderable stock then, or undefined when it was already off sale. */
export async function markDeleted(tx: TransactionSql, productId: string, version: number) {
  const [row]: [{ stock: number }?] = await tx`
    UPDATE stock SET deleted_at = now(), product_version = greatest(product_version, ${version})
    WHERE product_id = ${productId} AND deleted_at IS NULL
    RETURNING stock`
  return row?.stock
}

/** Sets a product's reorder threshold (not a change of its figures: no version, no ledger row). */
export async function setThreshold(tx: TransactionSql, productId: string, threshold: number) {
  const [row]: [StockFigures?] = await tx`
    UPDATE stock SET reorder_threshold = ${threshold}, updated_at = now()
    WHERE product_id = ${productId}
    RETURNING ${figureColumns(tx)}`
  if (!row) throw new Error(`stock row ${productId} vanished while locked`)
  return row
}
