import type { EventFor } from '@shop/shared/kafka/codec'
import { onProductCreated } from './on-product-created.ts'
import { onProductDeleted } from './on-product-deleted.ts'
import { onProductUpdated } from './on-product-updated.ts'
import type { CatalogueSync } from './sync.ts'

/** The events the product service consumes itself: its own, to keep every process's catalogue current. */
export const CATALOGUE_TOPICS = ['product.created', 'product.updated', 'product.deleted'] as const
export type CatalogueTopic = (typeof CATALOGUE_TOPICS)[number]

/** Topic → handler, and one function that dispatches a consumed event to its handler. */
export function catalogueHandler(sync: CatalogueSync) {
  const handlers = {
    'product.created': onProductCreated(sync),
    'product.updated': onProductUpdated(sync),
    'product.deleted': onProductDeleted(sync),
  }
  return async (event: EventFor<CatalogueTopic>) => {
    switch (event.topic) {
      case 'product.created':
        return handlers['product.created'](event)
      case 'product.updated':
        return handlers['product.updated'](event)
      case 'product.deleted':
        return handlers['product.deleted'](event)
    }
  }
}
