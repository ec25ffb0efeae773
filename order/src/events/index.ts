import type { EventFor } from '@shop/shared/kafka/codec'
import type { CatchUp } from '../catalogue/catch-up.ts'
import { classified } from './classify.ts'
import type { HandlerDeps } from './deps.ts'
import { onProductChanged } from './on-product-changed.ts'
import { onProductDeleted } from './on-product-deleted.ts'
import { onStockRejected } from './on-stock-rejected.ts'
import { onStockReserved } from './on-stock-reserved.ts'
import { onStockUpdated } from './on-stock-updated.ts'
import { onUserAddressAdded } from './on-user-address-added.ts'
import { onUserAddressRemoved } from './on-user-address-removed.ts'

/** Consumed once per service (the shared group): each writes to the store, exactly once in effect. */
export const SERVICE_TOPICS = [
  'stock.reserved',
  'stock.rejected',
  'user.address_added',
  'user.address_removed',
] as const
export type ServiceTopic = (typeof SERVICE_TOPICS)[number]

/** The compacted state topics the in-memory catalogue is rebuilt from. */
export const CATALOGUE_TOPICS = [
  'product.created',
  'product.updated',
  'product.deleted',
  'stock.updated',
] as const

/**
 * Consumed by every process (a group of its own, from the beginning): the catalogue in memory, and the
 * events that end an order's wait, so a `Prefer: wait` request here hears of a decision applied elsewhere.
 */
export const VIEW_TOPICS = [
  ...CATALOGUE_TOPICS,
  'stock.reserved',
  'stock.rejected',
  'order.cancelled',
] as const
export type ViewTopic = (typeof VIEW_TOPICS)[number]

const describe = (event: EventFor<ServiceTopic | ViewTopic>) => `${event.topic} ${event.id}`

export function serviceHandler(deps: HandlerDeps) {
  const now = () => deps.now()
  return (event: EventFor<ServiceTopic>) =>
    classified(describe(event), async () => {
      switch (event.topic) {
        case 'stock.reserved':
          return onStockReserved(event, deps)
        case 'stock.rejected':
          return onStockRejected(event, deps)
        case 'user.address_added':
          return onUserAddressAdded(event, { ...deps, now: now() })
        case 'user.address_removed':
          return onUserAddressRemoved(event, { ...deps, now: now() })
      }
    })
}

/**
 * This process's reader of the catalogue topics and of decisions. A decision wakes the requests waiting on
 * it here only when another process applies it (`appliedHere` false): one applied here wakes them with its
 * event, so they need not read the store at all.
 */
export function viewHandler(
  deps: HandlerDeps,
  catchUp: CatchUp,
  appliedHere: (topic: ViewTopic, partition: number) => boolean,
) {
  return (event: EventFor<ViewTopic>) =>
    classified(describe(event), async () => {
      switch (event.topic) {
        case 'product.created':
        case 'product.updated':
          await onProductChanged(event, deps)
          break
        case 'product.deleted':
          await onProductDeleted(event, deps)
          break
        case 'stock.updated':
          await onStockUpdated(event, deps)
          break
        default:
          if (!appliedHere(event.topic, event.partition)) deps.waiters.notify(event.payload.order_id)
      }
      catchUp.seen(event.topic, event.partition, event.offset)
      if (catchUp.caughtUp()) deps.catalogue.markLoaded()
    })
}
