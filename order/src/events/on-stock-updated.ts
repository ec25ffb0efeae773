import type { EventFor } from '@shop/shared/kafka/codec'
import { eventFields, type HandlerDeps } from './deps.ts'

/** The early stock check's figure, in memory: no store write per stock change. */
export async function onStockUpdated(
  event: EventFor<'stock.updated'>,
  { catalogue, log }: Pick<HandlerDeps, 'catalogue' | 'log'>,
) {
  const { product_id, stock, version } = event.payload
  const fields = { ...eventFields(event), product_id, stock, version }
  if (catalogue.applyStock(product_id, stock, version)) {
    log.info(`Received stock update from stock.updated: ${product_id}`, fields)
  } else {
    log.debug('Stock update already applied or stale', fields)
  }
}
