import { toCents } from '@shop/shared/events/primitives'
import { ConflictError } from '@shop/shared/http/errors'
import { outboxMessage } from '@shop/shared/outbox/message'
import { OUTBOX_EXCLUDED, outboxOnInsert, withOutbox } from '@shop/shared/outbox/mongo-store'
import { type Db, type Filter, ObjectId } from 'mongodb'
import { createDocumentLock } from '../storage/document-lock.ts'
import { changedPayload, type ProductDoc, productsCollection } from './document.ts'
import type { CreateProductInput, ListProductsQuery, UpdateProductInput } from './schemas.ts'

/** Who caused a write: the request id becomes the correlation id of the event it stores. */
export interface WriteContext {
  correlationId: string
}

const live = { deleted_at: null }

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')

export type ProductStore = ReturnType<typeof createProductStore>

/**
 * Every write carries its event in the same single-document update (FerretDB has no multi-document
 * transactions), so an event exists if and only if its change committed. Updates and deletes hold the
 * product's lock (see storage/document-lock.ts); an insert needs none, as nobody else knows the new id.
 */
export function createProductStore(db: Db, clock: () => Date = () => new Date()) {
  const products = productsCollection(db)
  const lock = createDocumentLock(db)

  const findLive = (id: ObjectId) =>
    products.findOne({ _id: id, ...live }, { projection: OUTBOX_EXCLUDED }) as Promise<ProductDoc | null>

  return {
    async create(input: CreateProductInput, { correlationId }: WriteContext): Promise<ProductDoc> {
      const now = clock()
      const doc = {
        _id: new ObjectId(),
        name: input.name,
        description: input.description ?? null,
        category: input.category,
        price_cents: toCents(input.price),
        quantity: input.quantity,
        created_at: now,
        updated_at: now,
        version: 1,
        deleted_at: null,
      }
      const key = doc._id.toHexString()
      const event = outboxMessage('product.created', changedPayload(doc), { key, correlationId })
      const stored: ProductDoc = { ...doc, ...outboxOnInsert(event) }
      await products.insertOne(stored)
      return stored
    },

    async get(id: string): Promise<ProductDoc | undefined> {
      return (await findLive(new ObjectId(id))) ?? undefined
    },

    async list(query: ListProductsQuery): Promise<{ items: ProductDoc[]; total: number }> {
      const filter: Filter<ProductDoc> = { ...live }
      if (query.category !== undefined) filter.category = query.category
      if (query.min_price_cents !== undefined || query.max_price_cents !== undefined) {
        filter.price_cents = {
          ...(query.min_price_cents !== undefined && { $gte: query.min_price_cents }),
          ...(query.max_price_cents !== undefined && { $lte: query.max_price_cents }),
        }
      }
      if (query.q) filter.name = { $regex: escapeRegex(query.q), $options: 'i' }
      const [items, total] = await Promise.all([
        products
          .find(filter, { projection: OUTBOX_EXCLUDED })
          .sort({ created_at: 1, _id: 1 })
          .skip(query.skip)
          .limit(query.limit)
          .toArray() as Promise<ProductDoc[]>,
        products.countDocuments(filter),
      ])
      return { items, total }
    },

    /** Read-modify-write under the product's lock, so the event carries exactly the state it produced. */
    async update(
      id: string,
      changes: UpdateProductInput,
      { correlationId }: WriteContext,
    ): Promise<ProductDoc | undefined> {
      const _id = new ObjectId(id)
      const key = _id.toHexString()
      return lock.run(key, async () => {
        const current = await findLive(_id)
        if (!current) return undefined
        const set = {
          ...(changes.name !== undefined && { name: changes.name }),
          ...(changes.description !== undefined && { description: changes.description }),
          ...(changes.category !== undefined && { category: changes.category }),
          ...(changes.price !== undefined && { price_cents: toCents(changes.price) }),
          updated_at: clock(),
        }
        const next: ProductDoc = { ...current, ...set, version: current.version + 1 }
        const event = outboxMessage('product.updated', changedPayload(next), { key, correlationId })
        // The version guard is what keeps this exact on MongoDB should the lock ever be taken over.
        const { matchedCount } = await products.updateOne(
          { _id, version: current.version, ...live },
          withOutbox<ProductDoc>({ $set: set, $inc: { version: 1 } }, event),
        )
        if (matchedCount !== 1) throw new ConflictError('The product changed during this update; try again')
        return next
      })
    },

    /** Leaves a tombstone that reads no longer see; the document keeps its product.deleted until it is out. */
    async remove(id: string, { correlationId }: WriteContext): Promise<boolean> {
      const _id = new ObjectId(id)
      const key = _id.toHexString()
      return lock.run(key, async () => {
        const now = clock()
        const event = outboxMessage('product.deleted', { product_id: key }, { key, correlationId })
        const { matchedCount } = await products.updateOne(
          { _id, ...live },
          withOutbox<ProductDoc>({ $set: { deleted_at: now, updated_at: now }, $inc: { version: 1 } }, event),
        )
        return matchedCount === 1
      })
    },
  }
}
