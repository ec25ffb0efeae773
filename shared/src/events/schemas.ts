import { z } from 'zod'
import { ObjectIdString, PositiveQuantity, Price, Quantity, Timestamp, UserId } from './primitives.ts'

/** An aggregate's version: 1 for its first event, +1 for each change; consumers apply by it, never by time. */
export const Version = z.number().int().min(1)

export const UserCreated = z.object({
  user_id: UserId,
  email: z.email(),
  first_name: z.string(),
  last_name: z.string(),
  created_at: Timestamp,
})

export const PostalAddress = z.object({
  line1: z.string(),
  line2: z.string().nullable().optional(),
  city: z.string(),
  state: z.string().nullable().optional(),
  postal_code: z.string(),
  country: z.string(),
})

/**
 * user.address_added / user.address_removed: the order service keeps who owns which address, and an added
 * address carries its fields so an order can keep a snapshot of it without asking the user service.
 */
export const UserAddressChanged = z.object({
  user_id: UserId,
  address_id: z.string().min(1).max(100),
  address: PostalAddress.optional(),
})

export const ProductChanged = z.object({
  product_id: ObjectIdString,
  version: Version,
  name: z.string().min(1),
  category: z.string().min(1),
  price: Price,
  quantity: Quantity,
})

export const ProductDeleted = z.object({ product_id: ObjectIdString, version: Version })

export const OrderItemRef = z.object({ product_id: ObjectIdString, quantity: PositiveQuantity })

export const OrderPlaced = z.object({
  order_id: ObjectIdString,
  user_id: UserId,
  items: z.array(OrderItemRef).min(1),
})

export const OrderCancelled = z.object({
  order_id: ObjectIdString,
  items: z.array(OrderItemRef).min(1),
})

/** order.paid, order.shipped, order.delivered, order.refunded: fulfilment after the saga. */
export const OrderFulfilment = z.object({
  order_id: ObjectIdString,
  items: z.array(OrderItemRef).min(1).optional(),
})

/**
 * Why stock changed: initial (product created), reserved/released (orders), shipped (reserved units left
 * the warehouse), adjusted/returned (admin), removed (product deleted).
 */
export const StockChangeReason = z.enum([
  'initial',
  'reserved',
  'released',
  'shipped',
  'adjusted',
  'returned',
  'removed',
])

export const StockUpdated = z.object({
  product_id: ObjectIdString,
  version: Version,
  stock: Quantity,
  reserved: Quantity,
  change: z.number().int(),
  reason: StockChangeReason,
  order_id: ObjectIdString.optional(),
})

export const StockReserved = z.object({ order_id: ObjectIdString })

export const Shortage = z.object({
  product_id: ObjectIdString,
  requested: PositiveQuantity,
  available: Quantity,
})

export const StockRejected = z.object({
  order_id: ObjectIdString,
  shortages: z.array(Shortage),
  reason: z.string().optional(),
})

export const StockLow = z.object({
  product_id: ObjectIdString,
  stock: Quantity,
  reorder_threshold: Quantity,
})
