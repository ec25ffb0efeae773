import { documentKey, withDocumentLock } from '@shop/shared/mongo/document-lock'
import { type Collection, MongoServerError } from 'mongodb'

/**
 * What this service knows of a product, fed by product.* and stock.updated events, so placing an order
 * needs no call to another service. Product fields and stock come from different topics, so each has its
 * own guard: the time and id of the last event applied. A redelivery (same id) or an older event matches
 * nothing. Consumers of different topics may handle one product at once, so each event's writes to an
 * entry run under its document lock (FerretDB updates are read-modify-write; see shared mongo/document-lock).
 */
export interface CatalogueEntry {
  _id: string
  /** Absent until a product.created/updated arrives (a stock.updated may come first). */
  name?: string
  category?: string
  price_cents?: number
  /** Available stock as last known; absent while unknown. */
  stock?: number
  deleted: boolean
  product_time: Date
  product_event_id?: string
  stock_time: Date
  stock_event_id?: string
  created_at: Date
  updated_at: Date
}

export interface EventRef {
  id: string
  time: Date
}

const DUPLICATE_KEY = 11000
const NEVER = new Date(0)

export function createCatalogueStore(catalogue: Collection<CatalogueEntry>) {
  /** Makes sure the entry exists; another process may create it first, and either winning is fine. */
  const ensure = async (productId: string, at: Date) => {
    // Unknown fields are left out rather than null: FerretDB drops nulls from an upsert's $setOnInsert.
    const blank = { deleted: false, product_time: NEVER, stock_time: NEVER, created_at: at, updated_at: at }
    try {
      await catalogue.updateOne({ _id: productId }, { $setOnInsert: blank }, { upsert: true })
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error
    }
  }

  /** Creates the entry if needed, then applies `write` to it, with no other write to that entry in between. */
  const writeEntry = <T>(productId: string, now: Date, write: () => Promise<T>) =>
    withDocumentLock(documentKey(catalogue, productId), async () => {
      await ensure(productId, now)
      return write()
    })

  return {
    async findMany(productIds: string[]) {
      const entries = await catalogue.find({ _id: { $in: productIds } }).toArray()
      return new Map(entries.map((entry) => [entry._id, entry]))
    },

    /** Applies a product's current fields; `initialStock` (product.created) only fills a stock still unknown. */
    async applyProduct(
      product: {
        productId: string
        name: string
        category: string
        priceCents: number
        initialStock?: number
      },
      event: EventRef,
      now: Date,
    ) {
      return writeEntry(product.productId, now, async () => {
        const result = await catalogue.updateOne(
          { _id: product.productId, product_event_id: { $ne: event.id }, product_time: { $lte: event.time } },
          {
            $set: {
              name: product.name,
              category: product.category,
              price_cents: product.priceCents,
              product_time: event.time,
              product_event_id: event.id,
              updated_at: now,
            },
          },
        )
        if (product.initialStock !== undefined) {
          await catalogue.updateOne(
            { _id: product.productId, stock: { $exists: false } },
            { $set: { stock: product.initialStock, updated_at: now } },
          )
        }
        return result.matchedCount === 1
      })
    },

    /** Deletion is final (product ids are never reused), so no event can undo it. */
    async markDeleted(productId: string, now: Date) {
      return writeEntry(productId, now, async () => {
        const result = await catalogue.updateOne(
          { _id: productId, deleted: false },
          { $set: { deleted: true, updated_at: now } },
        )
        return result.matchedCount === 1
      })
    },

    async applyStock(productId: string, stock: number, event: EventRef, now: Date) {
      return writeEntry(productId, now, async () => {
        const result = await catalogue.updateOne(
          { _id: productId, stock_event_id: { $ne: event.id }, stock_time: { $lte: event.time } },
          { $set: { stock, stock_time: event.time, stock_event_id: event.id, updated_at: now } },
        )
        return result.matchedCount === 1
      })
    },
  }
}

export type CatalogueStore = ReturnType<typeof createCatalogueStore>
