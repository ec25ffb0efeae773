import { BusinessRuleError, ConflictError } from '@shop/shared/http/errors'
import { insertOutbox } from '@shop/shared/outbox/postgres-store'
import type { Sql } from '@shop/shared/postgres/connect'
import { type AdjustStock, MAX_STOCK, type StockView } from './schemas.ts'
import { stockUpdated } from './stock-events.ts'

export interface ListOptions {
  skip: number
  limit: number
  lowStockBelow?: number
}

export function createStockStore(sql: Sql) {
  return {
    /** The entry of a product on sale; undefined when unknown or removed. */
    async get(productId: string) {
      const [row]: [StockView?] = await sql`
        SELECT product_id, stock, reserved, updated_at
        FROM stock WHERE product_id = ${productId} AND deleted_at IS NULL`
      return row
    },

    async list({ skip, limit, lowStockBelow }: ListOptions) {
      const low = lowStockBelow === undefined ? sql`` : sql`AND stock < ${lowStockBelow}`
      const [rows, [count]] = await Promise.all([
        sql<StockView[]>`
          SELECT product_id, stock, reserved, updated_at
          FROM stock WHERE deleted_at IS NULL ${low}
          ORDER BY product_id LIMIT ${limit} OFFSET ${skip}`,
        sql<{ total: number }[]>`SELECT count(*)::int AS total FROM stock WHERE deleted_at IS NULL ${low}`,
      ])
      return { items: rows, total: count?.total ?? 0 }
    },

    /**
     * Sets or moves the orderable stock of a product on sale, in one transaction with its `stock.updated`.
     * Undefined when the product is unknown or removed; a change that would go below zero is a conflict.
     * Setting the quantity it already has changes nothing and publishes nothing.
     */
    adjust(productId: string, body: AdjustStock, correlationId: string) {
      return sql.begin(async (tx) => {
        const [row]: [StockView?] = await tx`
          SELECT product_id, stock, reserved, updated_at
          FROM stock WHERE product_id = ${productId} AND deleted_at IS NULL FOR UPDATE`
        if (!row) return undefined
        const target = body.stock ?? row.stock + (body.delta ?? 0)
        if (target < 0) {
          throw new ConflictError(
            `Stock cannot go below 0: ${row.stock} available, a change of ${body.delta} would leave ${target}`,
          )
        }
        if (target + row.reserved > MAX_STOCK) {
          throw new BusinessRuleError(
            `Stock plus reserved may not exceed ${MAX_STOCK}: ${row.reserved} are reserved, so stock can be at most ${MAX_STOCK - row.reserved}`,
          )
        }
        const change = target - row.stock
        if (change === 0) return row
        const [updated] = await tx<StockView[]>`
          UPDATE stock SET stock = ${target}, adjustments = adjustments + ${change}, updated_at = now()
          WHERE product_id = ${productId}
          RETURNING product_id, stock, reserved, updated_at`
        if (!updated) throw new Error(`stock row ${productId} vanished while locked`)
        await insertOutbox(tx, stockUpdated(updated, { reason: 'adjusted', change, correlationId }))
        return updated
      })
    },
  }
}

export type StockStore = ReturnType<typeof createStockStore>
