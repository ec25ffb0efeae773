import type { ConsumedEvent } from '@shop/shared/kafka/codec'
import type { Logger } from '@shop/shared/log'
import type { AddressStore } from '../addresses/store.ts'
import type { CatalogueStore } from '../catalogue/store.ts'
import type { OrderStore } from '../orders/store.ts'
import type { OrderWaiters } from '../orders/wait.ts'

/** What the event handlers work with; each takes the part it needs. */
export interface HandlerDeps {
  orders: OrderStore
  addresses: AddressStore
  catalogue: CatalogueStore
  waiters: OrderWaiters
  log: Logger
  now: () => Date
}

export const eventFields = (event: ConsumedEvent) => ({
  topic: event.topic,
  event_id: event.id,
  correlation_id: event.correlationId ?? null,
})

export const decisionFields = (event: ConsumedEvent<'stock.reserved' | 'stock.rejected'>) => ({
  ...eventFields(event),
  order_id: event.payload.order_id,
})
