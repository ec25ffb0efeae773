import { ObjectIdString } from '@shop/shared/events/primitives'
import { pagingQuery } from '@shop/shared/http/paging'
import { z } from 'zod'

/** The events' schema caps quantities here, so stock + reserved may never pass it. */
export const MAX_STOCK = 1_000_000

export const ProductIdParam = z.strictObject({ product_id: ObjectIdString })

export const ListStockQuery = z.strictObject({
  ...pagingQuery,
  low_stock_below: z.coerce.number().int().min(0).max(MAX_STOCK).optional(),
})

/** `{stock}` sets the orderable quantity, `{delta}` moves it; exactly one of them. */
export const AdjustStock = z
  .strictObject({
    stock: z.number().int().min(0).max(MAX_STOCK).optional(),
    delta: z.number().int().min(-MAX_STOCK).max(MAX_STOCK).optional(),
  })
  .refine((body) => (body.stock === undefined) !== (body.delta === undefined), {
    message: 'send exactly one of stock (the new quantity) or delta (the change)',
  })

export type AdjustStock = z.output<typeof AdjustStock>

/** A stock entry as clients see it. */
export interface StockView {
  product_id: string
  stock: number
  reserved: number
  updated_at: Date
}
