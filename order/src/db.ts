import type { Db } from 'mongodb'
import type { AddressDoc } from './addresses/store.ts'
import type { CatalogueEntry } from './catalogue/store.ts'
import type { IdempotencyKey } from './idempotency/store.ts'
import type { OrderDoc } from './orders/model.ts'

/** The service's collections, typed; taking them does no I/O. */
export const collections = (db: Db) => ({
  orders: db.collection<OrderDoc>('orders'),
  catalogue: db.collection<CatalogueEntry>('catalogue'),
  idempotencyKeys: db.collection<IdempotencyKey>('idempotency_keys'),
  addresses: db.collection<AddressDoc>('addresses'),
})

export type Collections = ReturnType<typeof collections>

/**
 * Indexes for the real MongoDB (FerretDB keeps them but scans anyway). Uniqueness that matters lives in
 * `_id`s: an order's id, `${user_id}:${key}` for idempotency keys, the product id in the catalogue.
 */
export async function ensureIndexes(db: Db) {
  const { orders } = collections(db)
  await orders.createIndex({ user_id: 1, created_at: -1 })
  await orders.createIndex({ status: 1, created_at: -1 })
  await orders.createIndex({ outbox_ready: 1 })
}
