import { outboxMessage } from '@shop/shared/outbox/message'
import type { StockFigures } from './figures.ts'
import type { Reason } from './ledger.ts'

interface Cause {
  reason: Reason
  /** How much `stock` (the orderable quantity) changed; negative when it went down. */
  change: number
  orderId?: string
  correlationId?: string | null
}

/** The `stock.updated` outbox message for a row as it is after the change, keyed by product. */
export const stockUpdated = (
  row: Pick<StockFigures, 'product_id' | 'stock' | 'reserved' | 'version'>,
  { reason, change, orderId, correlationId }: Cause,
) =>
  outboxMessage(
    'stock.updated',
    {
      product_id: row.product_id,
      version: row.version,
      stock: row.stock,
      reserved: row.reserved,
      change,
      reason,
      ...(orderId ? { order_id: orderId } : {}),
    },
    { key: row.product_id, correlationId },
  )
