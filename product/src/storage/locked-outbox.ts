import type { OutboxMessage, OutboxStore } from '@shop/shared/outbox/message'
import type { OutboxFields } from '@shop/shared/outbox/mongo-store'
import type { Collection, Document } from 'mongodb'
import type { DocumentLock } from './document-lock.ts'

/** How long a relay may take to send one document's events before another relay may take them over. */
const LEASE_MS = 30_000
const DOCUMENTS_AT_ONCE = 8

type OutboxDoc = OutboxFields & Document & { _id: { toString(): string } }

/**
 * The shared in-document outbox (same fields, same lease) with each of the relay's two writes to a document,
 * the claim and the "sent" mark, made under that document's lock: on FerretDB an unguarded relay write can
 * overwrite a change committed between its read and its write, losing both the change and its event.
 * Sending happens outside the lock; the lease keeps other relays off the document meanwhile.
 */
export function createLockedMongoOutbox<T extends OutboxDoc>(
  collection: Collection<T>,
  lock: DocumentLock,
): OutboxStore {
  const docs = collection as unknown as Collection<OutboxDoc>

  const claim = (id: OutboxDoc['_id']) =>
    lock.run(String(id), async () => {
      const now = Date.now()
      const doc = await docs.findOne({ _id: id, outbox_pending: { $gt: 0 }, outbox_lease: { $lt: now } })
      if (!doc) return undefined
      await docs.updateOne({ _id: id }, { $set: { outbox_lease: now + LEASE_MS } })
      return doc
    })

  // Guarded by the count we started from: if our lease ran out and another relay moved on, we change nothing.
  const markSent = (doc: OutboxDoc, sent: number) =>
    lock.run(String(doc._id), () =>
      docs.updateOne(
        { _id: doc._id, outbox_sent: doc.outbox_sent },
        { $set: { outbox_sent: doc.outbox_sent + sent, outbox_lease: 0 }, $inc: { outbox_pending: -sent } },
      ),
    )

  /** Sends what one document holds, in order; resolves to how many got through and why it stopped. */
  const drainDocument = async (id: OutboxDoc['_id'], send: (message: OutboxMessage) => Promise<void>) => {
    const doc = await claim(id)
    if (!doc) return { sent: 0 }
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
    await markSent(doc, sent)
    return { sent, failure }
  }

  return {
    async drain(limit, send) {
      const candidates = await docs
        .find({ outbox_pending: { $gt: 0 }, outbox_lease: { $lt: Date.now() } }, { projection: { _id: 1 } })
        .limit(limit)
        .toArray()
      let sentTotal = 0
      let failure: unknown
      // Documents are independent aggregates: a few at a time hides the lock's round trips; each document's
      // own events still go out one after another, in order.
      for (let i = 0; i < candidates.length && !failure; i += DOCUMENTS_AT_ONCE) {
        const batch = candidates.slice(i, i + DOCUMENTS_AT_ONCE)
        for (const result of await Promise.all(batch.map(({ _id }) => drainDocument(_id, send)))) {
          sentTotal += result.sent
          failure ??= result.failure
        }
      }
      if (failure) throw failure
      return sentTotal
    },
  }
}
