import type { Collection, Document, UpdateFilter } from 'mongodb'
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

export function createMongoOutbox<T extends OutboxFields & Document>(collection: Collection<T>): OutboxStore {
  const docs = collection as unknown as Collection<OutboxFields & Document>
  return {
    async drain(limit, send) {
      let sentTotal = 0
      while (sentTotal < limit) {
        const now = Date.now()
        const doc = await docs.findOneAndUpdate(
          { outbox_pending: { $gt: 0 }, outbox_lease: { $lt: now } },
          { $set: { outbox_lease: now + LEASE_MS } },
          { returnDocument: 'after' },
        )
        if (!doc) break
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
        // Guarded by the count we started from: if our lease ran out and another relay moved on, we change nothing.
        await docs.updateOne(
          { _id: doc._id, outbox_sent: doc.outbox_sent },
          { $set: { outbox_sent: doc.outbox_sent + sent, outbox_lease: 0 }, $inc: { outbox_pending: -sent } },
        )
        sentTotal += sent
        if (failure) throw failure
      }
      return sentTotal
    },
  }
}
