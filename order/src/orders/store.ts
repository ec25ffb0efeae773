import { documentKey, withDocumentLock } from '@shop/shared/mongo/document-lock'
import type { OutboxMessage } from '@shop/shared/outbox/message'
import { withOutbox } from '@shop/shared/outbox/mongo-store'
import { type Collection, type Filter, MongoServerError, type ObjectId, type UpdateFilter } from 'mongodb'
import type { HistoryEntry, OrderDoc, OrderStatus } from './model.ts'

const DUPLICATE_KEY = 11000

export interface ListFilter {
  user_id?: string
  status?: OrderStatus
}

export interface Transition {
  from: OrderStatus[]
  to: OrderStatus
  at: Date
  /** Kept on the order and in its history entry (a rejection says why). */
  reason?: string
  /** The event the change causes, written in the same single-document update. */
  message?: OutboxMessage
}

export function createOrderStore(orders: Collection<OrderDoc>) {
  return {
    /** Inserts a new order; false when an order with that id exists already (an idempotent retry). */
    async insert(doc: OrderDoc) {
      try {
        await orders.insertOne(doc)
        return true
      } catch (error) {
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false
        throw error
      }
    },

    async findById(id: ObjectId) {
      return (await orders.findOne({ _id: id })) ?? undefined
    },

    async list(filter: ListFilter, skip: number, limit: number) {
      const query: Filter<OrderDoc> = {}
      if (filter.user_id !== undefined) query.user_id = filter.user_id
      if (filter.status !== undefined) query.status = filter.status
      const [items, total] = await Promise.all([
        orders.find(query).sort({ created_at: -1, _id: -1 }).skip(skip).limit(limit).toArray(),
        orders.countDocuments(query),
      ])
      return { items, total }
    },

    /**
     * Moves an order from one of `from` to `to`, guarded by its current status in the filter, so a redelivered
     * or late event (or a second cancel) matches nothing and changes nothing. Undefined when not applied.
     * The document lock makes the guard a true compare-and-set on FerretDB, and keeps the outbox relay's
     * writes to the same order from undoing this one (see shared mongo/document-lock).
     */
    async transition(id: ObjectId, { from, to, at, reason, message }: Transition) {
      const entry: HistoryEntry = reason === undefined ? { status: to, at } : { status: to, at, reason }
      const base = {
        $set: { status: to, updated_at: at, ...(reason === undefined ? {} : { reason }) },
        $push: { history: entry },
        $inc: { version: 1 },
      } as UpdateFilter<OrderDoc>
      const update = message ? withOutbox<OrderDoc>(base, message) : base
      const doc = await withDocumentLock(documentKey(orders, id), () =>
        orders.findOneAndUpdate({ _id: id, status: { $in: from } }, update, { returnDocument: 'after' }),
      )
      return doc ?? undefined
    },
  }
}

export type OrderStore = ReturnType<typeof createOrderStore>
