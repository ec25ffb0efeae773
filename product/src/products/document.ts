import { fromCents } from '@shop/shared/events/primitives'
import type { Payload } from '@shop/shared/events/topics'
import { ensureLockCollection } from '@shop/shared/mongo/document-lock'
import type { OutboxFields } from '@shop/shared/outbox/mongo-store'
import type { Collection, Db, ObjectId } from 'mongodb'

export const PRODUCTS_COLLECTION = 'products'

/**
 * A product as stored: money in integer cents, its own outbox, and a version (1 at creation, +1 for every
 * update and for the delete) that its events carry, so every reader applies them by version.
 */
export interface ProductDoc extends OutboxFields {
  _id: ObjectId
  name: string
  description: string | null
  category: string
  price_cents: number
  /** The initial stock; stock itself lives in the inventory service. */
  quantity: number
  created_at: Date | string
  updated_at: Date | string
  version: number
  /** Set on delete: the document stays as a tombstone so its product.deleted event is not lost with it. */
  deleted_at: Date | string | null
}

export const productsCollection = (db: Db): Collection<ProductDoc> =>
  db.collection<ProductDoc>(PRODUCTS_COLLECTION)

const INDEXES = [
  { key: { category: 1 }, name: 'category' },
  { key: { name: 1 }, name: 'name' },
  { key: { created_at: 1, _id: 1 }, name: 'created_at_id' },
  // What the outbox relay looks for; partial indexes would be tighter but FerretDB has none.
  { key: { outbox_ready: 1 }, name: 'outbox_ready' },
] as const

/**
 * Idempotent: an index that exists with the same keys and name is left as it is. One call per index, since
 * FerretDB 1.24 drops the connection when a multi-index createIndexes finds them all there already.
 */
export async function ensureProductIndexes(db: Db) {
  await ensureLockCollection(db)
  for (const { key, name } of INDEXES) await productsCollection(db).createIndex(key, { name })
}

const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : value)

/** The product as clients see it: `_id` as its hex string, price in currency units, times as ISO strings. */
export const toProduct = (doc: ProductDoc) => ({
  _id: doc._id.toHexString(),
  name: doc.name,
  description: doc.description ?? null,
  category: doc.category,
  price: fromCents(doc.price_cents),
  quantity: doc.quantity,
  created_at: iso(doc.created_at),
  updated_at: iso(doc.updated_at),
})

export type Product = ReturnType<typeof toProduct>

/** The product.created / product.updated payload: the product's current fields at its new version. */
export const changedPayload = (
  doc: Pick<ProductDoc, '_id' | 'version' | 'name' | 'category' | 'price_cents' | 'quantity'>,
): Payload<'product.created'> => ({
  product_id: doc._id.toHexString(),
  version: doc.version,
  name: doc.name,
  category: doc.category,
  price: fromCents(doc.price_cents),
  quantity: doc.quantity,
})
