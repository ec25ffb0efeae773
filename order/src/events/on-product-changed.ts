import { toCents } from '@shop/shared/events/primitives'
import type { EventFor } from '@shop/shared/kafka/codec'
import { eventFields, type HandlerDeps } from './deps.ts'

/** product.created / product.updated: the in-memory catalogue takes the fields when the version is newer. */
export async function onProductChanged(
  event: EventFor<'product.created' | 'product.updated'>,
  { catalogue, log }: Pick<HandlerDeps, 'catalogue' | 'log'>,
) {
  const { product_id, version, name, category, price, quantity } = event.payload
  const applied = catalogue.applyProduct({
    productId: product_id,
    version,
    name,
    category,
    priceCents: toCents(price),
    // quantity is the initial stock; only a creation may tell us about stock we have not heard of.
    initialStock: event.topic === 'product.created' ? quantity : undefined,
  })
  log.debug(applied ? 'Catalogue entry updated' : 'Product event already applied or stale', {
    ...eventFields(event),
    product_id,
    version,
  })
}
