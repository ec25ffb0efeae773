import { ObjectIdString, UserId } from '@shop/shared/events/primitives'
import { pagingQuery } from '@shop/shared/http/paging'
import { z } from 'zod'
import { ORDER_STATUSES } from './model.ts'

export const MAX_ITEMS = 100
export const MAX_ITEM_QUANTITY = 1000

export const PlaceOrder = z.strictObject({
  items: z
    .array(
      z.strictObject({
        product_id: ObjectIdString,
        quantity: z.number().int().min(1).max(MAX_ITEM_QUANTITY),
      }),
    )
    .min(1)
    .max(MAX_ITEMS),
  // The user service owns addresses; the order keeps the id it was given.
  address_id: z.string().min(1).max(100).optional(),
})

export type PlaceOrder = z.output<typeof PlaceOrder>

/** Header names arrive lower-cased; other headers pass through untouched. */
export const IdempotencyHeader = z.object({
  'idempotency-key': z.string().min(1).max(200).optional(),
})

export const OrderIdParam = z.strictObject({ id: ObjectIdString })

export const ListOrdersQuery = z.strictObject({
  ...pagingQuery,
  user_id: UserId.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
})
