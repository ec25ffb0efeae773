import { z } from 'zod'
import { ObjectIdString, PositiveQuantity, Price, Quantity, Timestamp, UserId } from './primitives.ts'

export const UserCreated = z.object({
  user_id: UserId,
  email: z.email(),
  first_name: z.string(),
  last_name: z.string(),
  created_at: Timestamp,
})

export const ProductChanged = z.object({
  product_id: ObjectIdString,
  name: z.string().min(1),
  category: z.string().min(1),
  price: Price,
  quantity: Quantity,
})

export const ProductDeleted = z.object({ product_id: ObjectIdString })

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

/** Why stock changed: initial (product created), reserved/released (orders), adjusted (admin), removed (product deleted). */
export const StockChangeReason = z.enum(['initial', 'reserved', 'released', 'adjusted', 'removed'])

export const StockUpdated = z.object({
  product_id: ObjectIdString,
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
