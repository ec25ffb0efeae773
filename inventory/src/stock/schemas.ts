import { ObjectIdString } from '@shop/shared/events/primitives'
import { pagingQuery } from '@shop/shared/http/paging'
import { z } from 'zod'

/** The events' schema caps quantities here, so stock + reserved may never pass it. */
export const MAX_STOCK = 1_000_000

export const ProductIdParam = z.strictObject({ product_id: ObjectIdString })

export const ListStockQuery = z.strictObject({
  ...pagingQuery,
  low_stock_below: z.coerce.number().int().min(0).max(MAX_STOCK).optional(),
  /** `true`: only products at or below their reorder threshold. */
  low_stock: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
})

export const HistoryQuery = z.strictObject(pagingQuery)

/**
 * `{stock}` sets the orderable quantity, `{delta}` moves it (reason `adjusted`, the default, or `returned`:
 * shipped units back on the shelf), `{reorder_threshold}` sets the low-stock level; at most one of stock and
 * delta, and something to do.
 */
export const AdjustStock = z
  .strictObject({
    stock: z.number().int().min(0).max(MAX_STOCK).optional(),
    delta: z.number().int().min(-MAX_STOCK).max(MAX_STOCK).optional(),
    reason: z.enum(['adjusted', 'returned']).optional(),
    reorder_threshold: z.number().int().min(0).max(MAX_STOCK).optional(),
  })
  .refine((body) => body.stock === undefined || body.delta === undefined, {
    message: 'send exactly one of stock (the new quantity) or delta (the change), not both',
  })
  .refine(
    (body) => body.stock !== undefined || body.delta !== undefined || body.reorder_threshold !== undefined,
    {
      message: 'send exactly one of stock (the new quantity) or delta (the change), or a reorder_threshold',
    },
  )
  .refine((body) => body.reason === undefined || body.delta !== undefined, {
    path: ['reason'],
    message: 'a reason goes with a delta',
  })
  .refine((body) => body.reason !== 'returned' || (body.delta ?? 0) > 0, {
    path: ['delta'],
    message: 'returned units are a positive delta',
  })

export type AdjustStock = z.output<typeof AdjustStock>

/** A stock entry as clients see it. */
export interface StockView {
  product_id: string
  stock: number
  reserved: number
  shipped: number
  reorder_threshold: number
  updated_at: Date
}
