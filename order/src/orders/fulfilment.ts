import type { Topic } from '@shop/shared/events/topics'
import type { OrderStatus } from './model.ts'

/**
 * Where an order may go next by an admin's hand. PENDING → CONFIRMED / REJECTED is the saga's (inventory
 * decides), so the only hand-made move out of PENDING is a cancellation. REJECTED, CANCELLED and REFUNDED
 * are final.
 */
export const NEXT_STATUSES: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['CANCELLED'],
  CONFIRMED: ['PAID', 'CANCELLED'],
  PAID: ['PROCESSING', 'CANCELLED'],
  PROCESSING: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED', 'REFUNDED'],
  DELIVERED: ['REFUNDED'],
  REJECTED: [],
  CANCELLED: [],
  REFUNDED: [],
}

/** The statuses an admin can ask for (the targets of some move in the table). */
export const TARGET_STATUSES = [
  'PAID',
  'PROCESSING',
  'SHIPPED',
  'DELIVERED',
  'REFUNDED',
  'CANCELLED',
] as const
export type TargetStatus = (typeof TARGET_STATUSES)[number]

/** The event each move publishes, in the same write as the move. */
export const EVENT_OF = {
  PAID: 'order.paid',
  PROCESSING: undefined,
  SHIPPED: 'order.shipped',
  DELIVERED: 'order.delivered',
  REFUNDED: 'order.refunded',
  CANCELLED: 'order.cancelled',
} as const satisfies Record<TargetStatus, Topic | undefined>

/** A cancellation from these has taken the customer's money: the history records a refund. */
export const PAID_STATUSES: readonly OrderStatus[] = ['PAID', 'PROCESSING']

export const canMove = (from: OrderStatus, to: OrderStatus) => NEXT_STATUSES[from].includes(to)

/** "PAID or CANCELLED", "none: CANCELLED is final". */
export function describeNext(from: OrderStatus) {
  const next = NEXT_STATUSES[from]
  return next.length === 0 ? `none: ${from} is final` : next.join(' or ')
}
