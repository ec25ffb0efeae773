import { BusinessRuleError, ConflictError } from '@shop/shared/http/errors'
import type { Sql } from '@shop/shared/postgres/connect'
import { changeFigures, checkLowStock } from './changes.ts'
import type { StockFigures } from './figures.ts'
import { type AdjustStock, MAX_STOCK, type StockView } from './schemas.ts'
import { lockFigures, setThreshold } from './store.ts'

export interface AdjustContext {
  /** The admin making the change, kept in the ledger. */
  actor: string
  correlationId: string
}

/** The change a body asks for, checked against the locked row. */
function planChange(row: StockFigures, body: AdjustStock) {
  if (body.reason === 'returned') {
    const units = body.delta ?? 0
    if (units > row.shipped) {
      throw new ConflictError(`Only ${row.shipped} units were shipped; ${units} cannot come back`)
    }
    return { stock: units, shipped: -units }
  }
  if (body.stock === undefined && body.delta === undefined) return { stock: 0 }
  const target = body.stock ?? row.stock + (body.delta ?? 0)
  if (target < 0) {
    throw new ConflictError(
      `Stock cannot go below 0: ${row.stock} available, a change of ${body.delta} would leave ${target}`,
    )
  }
  const change = target - row.stock
  return { stock: change, adjustments: change }
}

/**
 * Sets or moves the orderable stock of a product on sale, or its reorder threshold, in one transaction with
 * its ledger row and events. Undefined when the product is unknown or removed; a change below zero or more
 * returns than shipments is a conflict. Setting the quantity it already has changes nothing.
 */
export function adjustStock(
  sql: Sql,
  productId: string,
  body: AdjustStock,
  { actor, correlationId }: AdjustContext,
) {
  return sql.begin(async (tx) => {
    const [locked] = await lockFigures(tx, [productId])
    if (!locked?.on_sale) return undefined
    const change = planChange(locked, body)
    if (locked.stock + change.stock + locked.reserved > MAX_STOCK) {
      throw new BusinessRuleError(
        `Stock plus reserved may not exceed ${MAX_STOCK}: ${locked.reserved} are reserved, so stock can be at most ${MAX_STOCK - locked.reserved}`,
      )
    }
    let row = locked
    if (body.reorder_threshold !== undefined && body.reorder_threshold !== row.reorder_threshold) {
      row = await setThreshold(tx, productId, body.reorder_threshold)
      if (change.stock === 0) await checkLowStock(tx, row, correlationId)
    }
    if (change.stock !== 0) {
      const reason = body.reason ?? 'adjusted'
      await changeFigures(tx, productId, change, { reason, actor, correlationId })
    }
    const [view]: [StockView?] = await tx`
      SELECT product_id, stock, reserved, shipped, reorder_threshold, updated_at
      FROM stock WHERE product_id = ${productId}`
    return view
  })
}
