import type { Logger } from '@shop/shared/log'
import { isDuplicateKey } from '@shop/shared/mongo/errors'
import type { OutboxMessage } from '@shop/shared/outbox/message'
import type { Collection, Db, OptionalUnlessRequiredId } from 'mongodb'
import { collections } from '../db.ts'
import { foldEvents, hasMessage, newEvent, type OrderEvent, outboxEntry } from './event-log.ts'
import type { OrderDoc } from './model.ts'

/** An order as the single-document layout kept it: the order with its outbox inside. */
type LegacyOrder = OrderDoc & {
  outbox?: OutboxMessage[]
  outbox_sent?: number
  outbox_pending?: number
  outbox_ready?: boolean
  outbox_lease?: number
}

const ROUND = 500

/** Inserts what is not there yet (a second run, or another replica's, inserted the rest). */
async function insertAll<T extends { _id: string }>(collection: Collection<T>, docs: T[]) {
  if (docs.length === 0) return
  try {
    await collection.insertMany(docs as OptionalUnlessRequiredId<T>[], { ordered: false })
  } catch (error) {
    if (!isDuplicateKey(error)) throw error
  }
}

/**
 * Brings orders written by the older layout (events inside the order document, no log) into the log, so
 * they can be moved again and their unpublished events still go out: seq 1 holds the order as it is now
 * with its history, and each event it had not published yet follows as an event that only carries it.
 * The projection is then rewritten without the outbox fields. Idempotent (inserts under the same `_id`s),
 * so every replica may run it at start; a store with none left costs one find.
 */
export async function importLegacyOrders(db: Db, log: Logger) {
  const { orders, orderEvents, orderOutbox } = collections(db)
  const legacy = db.collection<LegacyOrder>('orders')
  let imported = 0
  for (;;) {
    const batch = await legacy
      .find({ outbox: { $exists: true } })
      .limit(ROUND)
      .toArray()
    if (batch.length === 0) break
    for (const doc of batch) {
      const {
        outbox = [],
        outbox_sent = 0,
        outbox_pending: _p,
        outbox_ready: _r,
        outbox_lease: _l,
        ...order
      } = doc
      const hex = order._id.toHexString()
      const { _id, status, reason, history, version: _v, updated_at, ...placed } = order
      const first: OrderEvent = {
        ...newEvent(hex, 1, { status, at: updated_at, reason, message: null }),
        placed,
        history,
      }
      const carried: OrderEvent[] = outbox.slice(outbox_sent).map((message, i) => ({
        ...newEvent(hex, i + 2, { status, at: updated_at, reason, message }),
        carries_only: true as const,
      }))
      // The log first (the truth), then the relay's copies of the messages still to publish.
      await insertAll(orderEvents, [first, ...carried])
      await insertAll(orderOutbox, carried.filter(hasMessage).map(outboxEntry))
      const folded = foldEvents([first, ...carried])
      if (folded) await orders.replaceOne({ _id }, folded)
      imported++
    }
  }
  if (imported > 0) log.info('Orders of the older layout imported into the event log', { imported })
  return imported
}
