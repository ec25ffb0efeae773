import type { ConsumedEvent } from '@shop/shared/kafka/codec'
import type { CatalogueSync } from './sync.ts'

export const onProductUpdated =
  (sync: CatalogueSync) =>
  ({ payload }: ConsumedEvent<'product.updated'>) =>
    sync.refresh(payload.product_id, payload.version)
