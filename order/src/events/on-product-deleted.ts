import type { EventFor } from '@shop/shared/kafka/codec'
import { eventFields, type HandlerDeps } from './deps.ts'

/** A deleted product is withdrawn from sale for good. */
export async function onProductDeleted(
  event: EventFor<'product.deleted'>,
  { catalogue, log }: Pick<HandlerDeps, 'catalogue' | 'log'>,
) {
  const { product_id, version } = event.payload
  const applied = catalogue.markDeleted(product_id, version)
  log.debug(applied ? 'Product withdrawn from sale' : 'Product already withdrawn', {
    ...eventFields(event),
    product_id,
  })
}
