import { toCents } from '@shop/shared/events/primitives'
import { ConflictError } from '@shop/shared/http/errors'
import { createDocumentLock } from '@shop/shared/mongo/document-lock'
import { outboxMessage } from '@shop/shared/outbox/message'
import { OUTBOX_EXCLUDED, outboxOnInsert, withOutbox } from '@shop/shared/outbox/mongo-store'
import { type Db, ObjectId } from 'mongodb'
import { changedPayload, type ProductDoc, productsCollection } from './document.ts'
import type { CreateProductInput, UpdateProductInput } from './schemas.ts'

/** Who caused a write: the request id becomes the correlation id of the event it stores. */
export interface WriteContext {
  correlationId: string
}

/** A product as the catalogue reads it: the document without its outbox bookkeeping. */
export type StoredProduct = Omit<
  ProductDoc,
  'outbox' | 'outbox_sent' | 'outbox_pending' | 'outbox_ready' | 'outbox_lease'
>

const live = { deleted_at: null }

export type ProductStore = ReturnType<typeof createProductStore>

/**
 * The catalogue's writes and the two reads the in-memory catalogue needs (one product, every product);
 * clients' reads are answered from memory. Every write carries its event in the same single-document update
 * (FerretDB has no multi-document transactions), so an event exists if and only if its change committed.
 * Updates and deletes hold the product's lock (see @shop/shared/mongo/document-lock); an insert needs none, as
 * nobody else knows the new id.
 */
export function createProductStore(db: Db, now: () => Date = () => new Date()) {
  const products = productsCollection(db)
  const lock = createDocumentLock(db)

  const findLive = (id: ObjectId) =>
    products.findOne({ _id: id, ...live }, { projection: OUTBOX_EXCLUDED }) as Promise<StoredProduct | null>

  return {
    async create(input: CreateProductInput, { correlationId }: WriteContext): Promise<StoredProduct> {
      const at = now()
      const doc: StoredProduct = {
        _id: new ObjectId(),
        name: input.name,
        description: input.description ?? null,
        category: input.category,
        price_cents: toCents(input.price),
        quantity: input.quantity,
        created_at: at,
        updated_at: at,
        version: 1,
        deleted_at: null,
      }
      const key = doc._id.toHexString()
      const event = outboxMessage('product.created', changedPayload(doc), { key, correlationId })
      await products.insertOne({ ...doc, ...outboxOnInsert(event) })
      return doc
    },

    /** The product as stored, deleted or not (a delete leaves a tombstone with its version). */
    async find(id: string): Promise<StoredProduct | undefined> {
      const doc = await products.findOne({ _id: new ObjectId(id) }, { projection: OUTBOX_EXCLUDED })
      return (doc as StoredProduct | null) ?? undefined
    },

    /** Every product, tombstones included, for loading the catalogue into memory. */
    all: () => products.find({}, { projection: OUTBOX_EXCLUDED }) as AsyncIterable<StoredProduct>,

    /** Read-modify-write under the product's lock, so the event carries exactly the state it produced. */
    async update(
      id: string,
      changes: UpdateProductInput,
      { correlationId }: WriteContext,
    ): Promise<StoredProduct | undefined> {
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
          updated_at: now(),
        }
        const next: StoredProduct = { ...current, ...set, version: current.version + 1 }
        const event = outboxMessage('product.updated', changedPayload(next), { key, correlationId })
        // The version guard is what keeps this exact on MongoDB should the lock ever be taken over.
        const { matchedCount } = await products.updateOne(
          { _id, version: current.version, ...live },
          withOutbox<ProductDoc>({ $set: { ...set, version: next.version } }, event),
        )
        if (matchedCount !== 1) throw new ConflictError('The product changed during this update; try again')
        return next
      })
    },

    /**
     * Leaves a tombstone at the next version that reads no longer see; the document keeps its product.deleted
     * until it is out. Answers the tombstone, or undefined when there was no live product.
     */
    async remove(id: string, { correlationId }: WriteContext): Promise<StoredProduct | undefined> {
      const _id = new ObjectId(id)
      const key = _id.toHexString()
      return lock.run(key, async () => {
        const current = await findLive(_id)
        if (!current) return undefined
        const at = now()
        const tombstone: StoredProduct = {
          ...current,
          deleted_at: at,
          updated_at: at,
          version: current.version + 1,
        }
        const event = outboxMessage(
          'product.deleted',
          { product_id: key, version: tombstone.version },
          { key, correlationId },
        )
        const { matchedCount } = await products.updateOne(
          { _id, version: current.version, ...live },
          withOutbox<ProductDoc>(
            { $set: { deleted_at: at, updated_at: at, version: tombstone.version } },
            event,
          ),
        )
        return matchedCount === 1 ? tombstone : undefined
      })
    },
  }
}
