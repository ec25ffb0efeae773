import { ObjectIdString, PositiveQuantity, Price, Text, UserId } from '@shop/shared/events/primitives'
import { pagingQuery } from '@shop/shared/http/paging'
import { z } from 'zod'
import { TARGET_STATUSES } from './fulfilment.ts'
import { ORDER_STATUSES } from './model.ts'

export const MAX_ITEMS = 100
export const MAX_ITEM_QUANTITY = 1000

const line = (max: number) => Text.trim().min(1).max(max)
const optionalLine = (max: number) => Text.trim().max(max).nullable().optional()

/** The seed's address shape; state and line2 may be left out. */
export const ShippingAddressInput = z.strictObject({
  line1: line(200),
  line2: optionalLine(200),
  city: line(100),
  state: optionalLine(100),
  postal_code: line(20),
  country: line(100),
})

export const PlaceOrder = z
  .strictObject({
    /** The seed's clients send it: it must be the caller's own, unless the caller is an admin. */
    user_id: UserId.optional(),
    items: z
      .array(
        z.strictObject({
          product_id: ObjectIdString,
          quantity: PositiveQuantity.max(MAX_ITEM_QUANTITY),
          /** The price the customer was shown; when sent it must still be the current one. */
          price: Price.optional(),
        }),
      )
      .min(1)
      .max(MAX_ITEMS),
    /** One of the owner's addresses, as the user service announced it. */
    address_id: line(100).optional(),
    shipping_address: ShippingAddressInput.optional(),
  })
  .refine((body) => body.address_id === undefined || body.shipping_address === undefined, {
    path: ['address_id'],
    message: 'send either address_id or shipping_address, not both',
  })

export type PlaceOrder = z.output<typeof PlaceOrder>

/** Header names arrive lower-cased; other headers pass through untouched. */
export const IdempotencyHeader = z.object({
  'idempotency-key': z.string().min(1).max(200).optional(),
})

export const OrderIdParam = z.strictObject({ id: ObjectIdString })
export const UserIdParam = z.strictObject({ user_id: UserId })

export const ListOrdersQuery = z.strictObject({
  ...pagingQuery,
  user_id: UserId.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
})

export const UserOrdersQuery = z.strictObject({
  ...pagingQuery,
  status: z.enum(ORDER_STATUSES).optional(),
})

/** An admin moves an order; `reason` is kept in its history. */
export const ChangeStatus = z.strictObject({
  status: z.preprocess(
    (value) => (typeof value === 'string' ? value.toUpperCase() : value),
    z.enum(TARGET_STATUSES),
  ),
  reason: line(500).optional(),
})

export type ChangeStatus = z.output<typeof ChangeStatus>

const Iso = z.iso.datetime({ offset: true })

export const ShippingAddressResponse = z.object({
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  state: z.string().nullable(),
  postal_code: z.string(),
  country: z.string(),
})

/** The order body every order route answers with (issue 15 generates the OpenAPI document from it). */
export const OrderResponse = z.object({
  _id: ObjectIdString,
  user_id: z.string(),
  items: z.array(
    z.object({
      product_id: ObjectIdString,
      name: z.string(),
      unit_price: z.number(),
      quantity: z.number().int(),
    }),
  ),
  total: z.number(),
  status: z.enum(ORDER_STATUSES),
  reason: z.string().nullable(),
  address_id: z.string().nullable(),
  shipping_address: ShippingAddressResponse.nullable(),
  history: z.array(
    z.object({
      status: z.enum(ORDER_STATUSES),
      at: Iso,
      reason: z.string().optional(),
      refund: z.boolean().optional(),
    }),
  ),
  created_at: Iso,
  updated_at: Iso,
})

export type OrderResponse = z.output<typeof OrderResponse>
