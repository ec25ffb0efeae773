import type { Collection, Document, Filter, UpdateFilter } from 'mongodb'
import { documentKey, withDocumentLock } from '../mongo/document-lock.ts'
import type { OutboxMessage, OutboxStore } from './message.ts'

/**
 * MongoDB (and FerretDB, which has no multi-document transactions) keeps a document's pending events inside
 * the document itself, written by the same update as the change. The array is append-only: `outbox_sent`
 * counts the entries already published, `outbox_pending` the rest (so a relay can find them with a plain
 * filter), and `outbox_lease` (epoch ms) keeps two relays off the same document.
 */
export interface OutboxFields {
  outbox: OutboxMessage[]
  outbox_sent: number
  outbox_pending: number
  outbox_lease: number
}

const LEASE_MS = 30_000

/** The outbox fields of a new document that reports its own creation. */
export const outboxOnInsert = (...messages: OutboxMessage[]): OutboxFields => ({
  outbox: messages,
  outbox_sent: 0,
  outbox_pending: messages.length,
  outbox_lease: 0,
})

/** Adds an event to an update, so the change and the event are one atomic single-document write. */
export function withOutbox<T extends Document>(
  update: UpdateFilter<T>,
  message: OutboxMessage,
): UpdateFilter<T> {
  const { $push, $inc, ...rest } = update as Record<string, Record<string, unknown> | undefined>
  return {
    ...rest,
    $push: { ...$push, outbox: message },
    $inc: { ...$inc, outbox_pending: 1 },
  } as unknown as UpdateFilter<T>
}

/** The document as clients see it, without the outbox bookkeeping. */
export function withoutOutbox<T extends Partial<OutboxFields>>(doc: T): Omit<T, keyof OutboxFields> {
  const { outbox: _o, outbox_sent: _s, outbox_pending: _p, outbox_lease: _l, ...rest } = doc
  return rest
}

/**
 * Claims a document by lease, publishes its unsent events in order, then records how many went out. Both
 * writes go through the per-document queue that the service's own writes use (see mongo/document-lock).
 */
export function createMongoOutbox<T extends OutboxFields & Document>(collection: Collection<T>): OutboxStore {
  // Documents of any _id type: the outbox only needs to hand the _id back.
  type Pending = OutboxFields & { _id: unknown }
  const docs = collection as unknown as Collection<Pending>
  const where = (id: unknown, guard: Partial<OutboxFields> = {}) => ({ _id: id, ...guard }) as Filter<Pending>

  const claim = (id: unknown) =>
    withDocumentLock(documentKey(docs, id), async () => {
      const now = Date.now()
      const doc = await docs.findOne(where(id))
      if (!doc || doc.outbox_pending <= 0 || doc.outbox_lease >= now) return null
      const { modifiedCount } = await docs.updateOne(where(id, { outbox_lease: doc.outbox_lease }), {
        $set: { outbox_lease: now + LEASE_MS },
      })
      return modifiedCount === 1 ? doc : null
    })

  // Guarded by the count we started from: if our lease ran out and another relay moved on, this changes nothing.
  const record = (doc: Pending, sent: number) =>
    withDocumentLock(documentKey(docs, doc._id), () =>
      docs.updateOne(where(doc._id, { outbox_sent: doc.outbox_sent }), {
        $set: { outbox_sent: doc.outbox_sent + sent, outbox_lease: 0 },
        $inc: { outbox_pending: -sent },
      }),
    )

  return {
    async drain(limit, send) {
      const candidates = await docs
        .find({ outbox_pending: { $gt: 0 }, outbox_lease: { $lt: Date.now() } }, { projection: { _id: 1 } })
        .limit(limit)
        .toArray()
      let sentTotal = 0
      for (const { _id } of candidates) {
        const doc = await claim(_id)
        if (!doc) continue
        let sent = 0
        let failure: unknown
        for (const message of doc.outbox.slice(doc.outbox_sent)) {
          try {
            await send(message)
            sent++
          } catch (error) {
            failure = error
            break
          }
        }
        await record(doc, sent)
        sentTotal += sent
        if (failure) throw failure
      }
      return sentTotal
    },
  }
}
