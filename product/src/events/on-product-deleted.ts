import type { ConsumedEvent } from '@shop/shared/kafka/codec'
import type { CatalogueSync } from './sync.ts'

export const onProductDeleted =
  (sync: CatalogueSync) =>
  async ({ payload }: ConsumedEvent<'product.deleted'>) =>
    sync.remove(payload.product_id, payload.version)
