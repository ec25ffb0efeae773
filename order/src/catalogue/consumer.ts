import { toCents } from '@shop/shared/events/primitives'
import type { EventFor } from '@shop/shared/kafka/codec'
import type { Logger } from '@shop/shared/log'
import type { CatalogueStore } from './store.ts'

export const CATALOGUE_TOPICS = [
  'product.created',
  'product.updated',
  'product.deleted',
  'stock.updated',
] as const
type CatalogueTopic = (typeof CATALOGUE_TOPICS)[number]

/** Keeps the local catalogue in step with the product and inventory services; each effect is guarded. */
export async function handleCatalogueEvent(
  event: EventFor<CatalogueTopic>,
  { catalogue, log, now }: { catalogue: CatalogueStore; log: Logger; now: Date },
) {
  const ref = { id: event.id, time: new Date(event.time) }
  const fields = { topic: event.topic, event_id: event.id, correlation_id: event.correlationId ?? null }
  switch (event.topic) {
    case 'product.created':
    case 'product.updated': {
      const { product_id, name, category, price, quantity } = event.payload
      const applied = await catalogue.applyProduct(
        {
          productId: product_id,
          name,
          category,
          priceCents: toCents(price),
          // quantity is the initial stock; only a creation may tell us about stock we have not heard of.
          initialStock: event.topic === 'product.created' ? quantity : undefined,
        },
        ref,
        now,
      )
      log.debug(applied ? 'Catalogue entry updated' : 'Product event already applied or stale', {
        ...fields,
        product_id,
      })
      return
    }
    case 'product.deleted': {
      const applied = await catalogue.markDeleted(event.payload.product_id, now)
      log.debug(applied ? 'Product withdrawn from sale' : 'Product already withdrawn', {
        ...fields,
        product_id: event.payload.product_id,
      })
      return
    }
    case 'stock.updated': {
      const { product_id, stock } = event.payload
      if (await catalogue.applyStock(product_id, stock, ref, now)) {
        log.info(`Received stock update from stock.updated: ${product_id}`, { ...fields, product_id, stock })
      } else {
        log.debug('Stock update already applied or stale', { ...fields, product_id })
      }
      return
    }
  }
}
