import type { StockChangeReason } from '@shop/shared/events/schemas'
import { outboxMessage } from '@shop/shared/outbox/message'
import type { z } from 'zod'

export interface StockLevels {
  product_id: string
  stock: number
  reserved: number
}

interface Cause {
  reason: z.output<typeof StockChangeReason>
  /** How much `stock` (the orderable quantity) changed; negative when it went down. */
  change: number
  orderId?: string
  correlationId?: string | null
}

/** The `stock.updated` outbox message for a row as it is after the change, keyed by product. */
export const stockUpdated = (row: StockLevels, { reason, change, orderId, correlationId }: Cause) =>
  outboxMessage(
    'stock.updated',
    {
      product_id: row.product_id,
      stock: row.stock,
      reserved: row.reserved,
      change,
      reason,
      ...(orderId ? { order_id: orderId } : {}),
    },
    { key: row.product_id, correlationId },
  )
