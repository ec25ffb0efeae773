import { fromCents } from '@shop/shared/events/primitives'
import type { StoredProduct } from '../products/store.ts'

/**
 * One product in memory, kept small: times as epoch milliseconds, money in cents, the category string shared
 * by every product of that category, and the lower-cased name the search matches against.
 */
export interface LiveEntry {
  readonly id: string
  readonly version: number
  readonly deleted: false
  readonly name: string
  readonly nameLower: string
  readonly description: string | null
  readonly category: string
  readonly priceCents: number
  readonly quantity: number
  readonly createdMs: number
  readonly updatedMs: number
}

/** A deleted product: only its version is kept, so an older event can never bring it back. */
export interface Tombstone {
  readonly id: string
  readonly version: number
  readonly deleted: true
}

export type Entry = LiveEntry | Tombstone

const millis = (value: Date | string) => (value instanceof Date ? value.getTime() : Date.parse(value))

/** Builds the entry of a stored product; `intern` hands back one shared string per category. */
export function entryOf(doc: StoredProduct, intern: (category: string) => string = (c) => c): Entry {
  const id = doc._id.toHexString()
  if (doc.deleted_at !== null && doc.deleted_at !== undefined)
    return { id, version: doc.version, deleted: true }
  return {
    id,
    version: doc.version,
    deleted: false,
    name: doc.name,
    nameLower: doc.name.toLowerCase(),
    description: doc.description ?? null,
    category: intern(doc.category),
    priceCents: doc.price_cents,
    quantity: doc.quantity,
    createdMs: millis(doc.created_at),
    updatedMs: millis(doc.updated_at),
  }
}

export const tombstone = (id: string, version: number): Tombstone => ({ id, version, deleted: true })

/** The product as clients see it, the same body the routes answered when they read MongoDB. */
export const toBody = (entry: LiveEntry) => ({
  _id: entry.id,
  name: entry.name,
  description: entry.description,
  category: entry.category,
  price: fromCents(entry.priceCents),
  quantity: entry.quantity,
  created_at: new Date(entry.createdMs).toISOString(),
  updated_at: new Date(entry.updatedMs).toISOString(),
})

export type ProductBody = ReturnType<typeof toBody>
