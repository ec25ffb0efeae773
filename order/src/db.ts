import type { Db } from 'mongodb'
import type { CatalogueEntry } from './catalogue/store.ts'
import type { IdempotencyKey } from './idempotency/store.ts'
import type { OrderDoc } from './orders/model.ts'
import { serializeWrites } from './serial-writes.ts'

const open = (db: Db) => ({
  orders: serializeWrites(db.collection<OrderDoc>('orders')),
  catalogue: serializeWrites(db.collection<CatalogueEntry>('catalogue')),
  idempotencyKeys: db.collection<IdempotencyKey>('idempotency_keys'),
})

export type Collections = ReturnType<typeof open>

const opened = new WeakMap<Db, Collections>()

/**
 * The service's collections, typed; taking them does no I/O. The HTTP app and the workers of one process
 * get the same objects, so they share the write serialization of serial-writes.ts.
 */
export function collections(db: Db): Collections {
  let found = opened.get(db)
  if (!found) {
    found = open(db)
    opened.set(db, found)
  }
  return found
}

/**
 * Indexes for the real MongoDB (FerretDB keeps them but scans anyway). Uniqueness that matters lives in
 * `_id`s: an order's id, `${user_id}:${key}` for idempotency keys, the product id in the catalogue.
 */
export async function ensureIndexes(db: Db) {
  const { orders } = collections(db)
  await orders.createIndex({ user_id: 1, created_at: -1 })
  await orders.createIndex({ status: 1, created_at: -1 })
  await orders.createIndex({ outbox_pending: 1 })
}
