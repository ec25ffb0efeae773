import type { Collection, Document, Filter, UpdateFilter } from 'mongodb'
import type { DocumentLock } from '../mongo/document-lock.ts'
import type { OutboxMessage, OutboxStore } from './message.ts'

/**
 * MongoDB (and FerretDB, which has no multi-document transactions) keeps a document's pending events inside
 * the document itself, written by the same update as the change. `outbox_sent` counts the entries ever
 * published, `outbox_pending` those still waiting, always the array's last ones (with `trim`, published
 * entries are removed, so the array holds only those); `outbox_ready` says whether there are any (an equality filter: FerretDB hands it to PostgreSQL, where `{outbox_pending: {$gt: 0}}` would make it read
 * every document, 13 ms against 490 ms at 2,000 documents), and `outbox_lease` (epoch ms) keeps two relays
 * off the same document.
 */
export interface OutboxFields {
  outbox: OutboxMessage[]
  outbox_sent: number
  outbox_pending: number
  outbox_ready: boolean
  outbox_lease: number
}

const LEASE_MS = 30_000
const DOCUMENTS_AT_ONCE = 8

/** The outbox fields of a new document that reports its own creation. */
export const outboxOnInsert = (...messages: OutboxMessage[]): OutboxFields => ({
  outbox: messages,
  outbox_sent: 0,
  outbox_pending: messages.length,
  outbox_ready: messages.length > 0,
  outbox_lease: 0,
})

/** Adds an event to an update, so the change and the event are one atomic single-document write. */
export function withOutbox<T extends Document>(
  update: UpdateFilter<T>,
  message: OutboxMessage,
): UpdateFilter<T> {
  const { $push, $inc, $set, ...rest } = update as Record<string, Record<string, unknown> | undefined>
  return {
    ...rest,
    $set: { ...$set, outbox_ready: true },
    $push: { ...$push, outbox: message },
    $inc: { ...$inc, outbox_pending: 1 },
  } as unknown as UpdateFilter<T>
}

/** The document as clients see it, without the outbox bookkeeping. */
export function withoutOutbox<T extends Partial<OutboxFields>>(doc: T): Omit<T, keyof OutboxFields> {
  const { outbox: _o, outbox_sent: _s, outbox_pending: _p, outbox_ready: _r, outbox_lease: _l, ...rest } = doc
  return rest
}

/** Excludes the outbox bookkeeping from a find. */
export const OUTBOX_EXCLUDED = {
  outbox: 0,
  outbox_sent: 0,
  outbox_pending: 0,
  outbox_ready: 0,
  outbox_lease: 0,
} as const

/**
 * Claims a document by lease, publishes its unsent events in order, then records how many went out. The
 * claim and the record hold the document's `lock` (mongo/document-lock, keyed by `String(_id)`), the same lock
 * the service's own writes of the document hold, never while sending to Kafka. A few documents are drained at
 * once to hide the round trips; each document's own events still go out one after another.
 */
export function createMongoOutbox<T extends OutboxFields & Document>(
  collection: Collection<T>,
  {
    lock,
    trim = false,
  }: {
    lock: DocumentLock
    /** Removes published events from the document, so it does not grow with every change it ever had. */
    trim?: boolean
  },
): OutboxStore {
  // Documents of any _id type: the outbox only needs to hand the _id back.
  type Pending = OutboxFields & { _id: unknown }
  const docs = collection as unknown as Collection<Pending>
  const where = (id: unknown, guard: Partial<OutboxFields> = {}) => ({ _id: id, ...guard }) as Filter<Pending>

  const claim = (id: unknown) =>
    lock.run(String(id), async () => {
      const now = Date.now()
      const doc = await docs.findOne(where(id))
      if (!doc || doc.outbox_pending <= 0 || doc.outbox_lease >= now) return null
      await docs.updateOne(where(id), { $set: { outbox_lease: now + LEASE_MS } })
      return doc
    })

  /** Where the unsent events start: after those sent, or, once sent ones are trimmed, the last pending ones. */
  const unsentFrom = (doc: Pending) => (trim ? doc.outbox.length - doc.outbox_pending : doc.outbox_sent)

  // Guarded by the count we started from: if our lease ran out and another relay moved on, this changes nothing.
  // Under the lock nobody else changes the array, so the entries sent are still where the claim found them.
  const record = (doc: Pending, sent: number) =>
    lock.run(String(doc._id), async () => {
      const current = await docs.findOne(where(doc._id, { outbox_sent: doc.outbox_sent }))
      if (!current) return
      await docs.updateOne(where(doc._id, { outbox_sent: doc.outbox_sent }), {
        $set: {
          outbox_sent: doc.outbox_sent + sent,
          outbox_ready: current.outbox_pending - sent > 0,
          outbox_lease: 0,
          ...(trim && { outbox: current.outbox.slice(unsentFrom(doc) + sent) }),
        },
        $inc: { outbox_pending: -sent },
      })
    })

  const drainDocument = async (id: unknown, send: (message: OutboxMessage) => Promise<void>) => {
    const doc = await claim(id)
    if (!doc) return { sent: 0, failure: undefined }
    let sent = 0
    let failure: unknown
    for (const message of doc.outbox.slice(unsentFrom(doc))) {
      try {
        await send(message)
        sent++
      } catch (error) {
        failure = error
        break
      }
    }
    await record(doc, sent)
    return { sent, failure }
  }

  return {
    async drain(limit, send) {
      const candidates = await docs
        .find({ outbox_ready: true } as Filter<Pending>, { projection: { _id: 1 } })
        .limit(limit)
        .toArray()
      let sentTotal = 0
      let failure: unknown
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
