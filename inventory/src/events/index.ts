import type { Payload } from '@shop/shared/events/topics'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import type { Causation } from './causation.ts'
import { onOrderCancelled } from './on-order-cancelled.ts'
import { onOrderPlaced } from './on-order-placed.ts'
import { onOrderShipped } from './on-order-shipped.ts'
import { onProductCreated } from './on-product-created.ts'
import { onProductDeleted } from './on-product-deleted.ts'
import { onProductUpdated } from './on-product-updated.ts'

/** Topic → handler: every event inventory consumes, each applied in the transaction that records its id. */
export const handlers = {
  'product.created': onProductCreated,
  'product.updated': onProductUpdated,
  'product.deleted': onProductDeleted,
  'order.placed': onOrderPlaced,
  'order.cancelled': onOrderCancelled,
  'order.shipped': onOrderShipped,
} satisfies { [T in keyof HandlerPayloads]: Handler<T> }

type HandlerPayloads = {
  [T in
    | 'product.created'
    | 'product.updated'
    | 'product.deleted'
    | 'order.placed'
    | 'order.cancelled'
    | 'order.shipped']: Payload<T>
}
type Handler<T extends keyof HandlerPayloads> = (
  tx: TransactionSql,
  payload: HandlerPayloads[T],
  causation: Causation,
) => Promise<unknown>

export type InventoryTopic = keyof typeof handlers
export const INVENTORY_TOPICS = Object.keys(handlers) as InventoryTopic[]
