import type { ConsumedEvent } from '@shop/shared/kafka/codec'
import type { CatalogueSync } from './sync.ts'

export const onProductCreated =
  (sync: CatalogueSync) =>
  ({ payload }: ConsumedEvent<'product.created'>) =>
    sync.refresh(payload.product_id, payload.version)
