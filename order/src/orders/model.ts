import { fromCents } from '@shop/shared/events/primitives'
import { type OutboxFields, withoutOutbox } from '@shop/shared/outbox/mongo-store'
import type { ObjectId } from 'mongodb'

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

/** The statuses an order can still be cancelled from; REJECTED and CANCELLED are final. */
export const CANCELLABLE: OrderStatus[] = ['PENDING', 'CONFIRMED']

export interface OrderItem {
  product_id: string
  /** Name and price as they were when the order was placed. */
  name: string
  unit_price_cents: number
  quantity: number
}

export interface HistoryEntry {
  status: OrderStatus
  at: Date
  reason?: string
}

export interface OrderDoc extends OutboxFields {
  _id: ObjectId
  user_id: string
  items: OrderItem[]
  total_cents: number
  address_id: string | null
  status: OrderStatus
  reason: string | null
  history: HistoryEntry[]
  idempotency_key: string | null
  request_hash: string | null
  version: number
  created_at: Date
  updated_at: Date
}

/** The order as clients see it: money in units with two decimals, ids as hex, no outbox bookkeeping. */
export function orderView(doc: OrderDoc) {
  const { _id, items, total_cents, history, created_at, updated_at, user_id, address_id, status, reason } =
    withoutOutbox(doc)
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
    history: history.map(({ status, at, reason }) => ({
      status,
      at: at.toISOString(),
      ...(reason === undefined ? {} : { reason }),
    })),
    created_at: created_at.toISOString(),
    updated_at: updated_at.toISOString(),
  }
}

export type OrderView = ReturnType<typeof orderView>
