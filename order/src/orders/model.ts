import { fromCents } from '@shop/shared/events/primitives'
import type { ObjectId } from 'mongodb'
import type { OrderResponse } from './schemas.ts'

export const ORDER_STATUSES = [
  'PENDING',
  'CONFIRMED',
  'REJECTED',
  'CANCELLED',
  'PAID',
  'PROCESSING',
  'SHIPPED',
  'DELIVERED',
  'REFUNDED',
] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

/** The statuses a customer can still cancel from: anything before the goods leave. */
export const CANCELLABLE: OrderStatus[] = ['PENDING', 'CONFIRMED', 'PAID', 'PROCESSING']

export interface OrderItem {
  product_id: string
  /** Name and price as they were when the order was placed. */
  name: string
  unit_price_cents: number
  quantity: number
}

/** Where the goods go, as it was when the order was placed: a later change to the address book moves nothing. */
export interface ShippingAddress {
  line1: string
  line2: string | null
  city: string
  state: string | null
  postal_code: string
  country: string
}

export interface HistoryEntry {
  status: OrderStatus
  at: Date
  reason?: string
  /** Set on a cancellation after payment: the payment is refunded. */
  refund?: boolean
}

export interface OrderDoc {
  _id: ObjectId
  user_id: string
  items: OrderItem[]
  total_cents: number
  address_id: string | null
  /** Older orders have no such field: read it as null. */
  shipping_address?: ShippingAddress | null
  status: OrderStatus
  reason: string | null
  history: HistoryEntry[]
  idempotency_key: string | null
  request_hash: string | null
  version: number
  created_at: Date
  updated_at: Date
}

/** The order as clients see it: money in units with two decimals, ids as hex. */
export function orderView(doc: OrderDoc): OrderResponse {
  const { _id, items, total_cents, history, created_at, updated_at, user_id, address_id, status, reason } =
    doc
  return {
    _id: _id.toHexString(),
    user_id,
    items: items.map(({ product_id, name, unit_price_cents, quantity }) => ({
      product_id,
      name,
      unit_price: fromCents(unit_price_cents),
      quantity,
    })),
    total: fromCents(total_cents),
    status,
    reason,
    address_id,
    shipping_address: doc.shipping_address ?? null,
    history: history.map(({ status, at, reason, refund }) => ({
      status,
      at: at.toISOString(),
      ...(reason === undefined ? {} : { reason }),
      ...(refund === undefined ? {} : { refund }),
    })),
    created_at: created_at.toISOString(),
    updated_at: updated_at.toISOString(),
  }
}

export type OrderView = OrderResponse
