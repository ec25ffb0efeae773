import type { Logger } from '@shop/shared/log'
import type { OutboxMessage } from '@shop/shared/outbox/message'
import { isRetriablePublishError, PARK_AFTER_ATTEMPTS, publishErrorText } from '@shop/shared/outbox/relay'
import type { Collection } from 'mongodb'
import { hasMessage, type OrderEvent, type OutboxEntry, outboxEntry } from '../orders/event-log.ts'

/** Orders published side by side within one batch; each order's own events go out one after another. */
const ORDERS_AT_ONCE = 16
/** A pending log event younger than this may still be on its way into the outbox; the sweep leaves it. */
const SWEEP_MIN_AGE_MS = 5_000

/**
 * The order event log read as an outbox, through its small copy `order_outbox` and, for events written by
 * the process that holds the lease, straight from memory (handOver: one store command fewer per event; a
 * process that dies with some leaves them to the sweep). One find takes the stored entries in `_id` order
 * (`<order_id>:<seq>` zero-padded, so an order's events come in seq order and a batch cut by the limit
 * never holds an event without the ones before it); one deleteMany drops those published. The log's own `pending` marks are set false afterwards, many at a time (markPublished): they
 * are what the sweep reads to copy back an event whose outbox entry never got written. Only the relay
 * writes these marks, and they only ever go from pending to published, so no write of theirs undoes another.
 */
export function createOrderOutbox(
  { events, outbox }: { events: Collection<OrderEvent>; outbox: Collection<OutboxEntry> },
  { log, batchSize }: { log: Logger; batchSize: number },
) {
  /** Failed attempts per event with an error no retry can cure (in memory: a restart retries a few more). */
  const attempts = new Map<string, number>()
  /** Published and out of the outbox, their log marks not written yet. */
  const unmarked = new Set<string>()
  /** Entries this process wrote while it held the lease, handed over in memory instead of stored. */
  const local: OutboxEntry[] = []

  const park = async (entry: OutboxEntry, error: unknown) => {
    const text = publishErrorText(error)
    const parked = { error: text, at: new Date() }
    // Upserted: a handed-over entry was never in the outbox; parked there, it holds back its order's next.
    await outbox.updateOne({ _id: entry._id }, { $set: { ...entry, parked } }, { upsert: true })
    entry.parked = parked
    await events.updateOne({ _id: entry._id }, { $set: { parked } })
    attempts.delete(entry._id)
    log.error('Outbox event parked: it cannot be published; later events of its order wait behind it', {
      event_id: entry.message.id,
      order_id: entry.order_id,
      seq: entry.seq,
      topic: entry.message.topic,
      error: text,
    })
  }

  /** Sends one order's waiting events in seq order, stopping at the first that does not go out. */
  const drainOrder = async (
    waiting: OutboxEntry[],
    send: (message: OutboxMessage) => Promise<void>,
    sent: string[],
  ) => {
    for (const entry of waiting) {
      if (entry.parked) return
      try {
        await send(entry.message)
      } catch (error) {
        if (isRetriablePublishError(error)) throw error
        const failed = (attempts.get(entry._id) ?? 0) + 1
        attempts.set(entry._id, failed)
        if (failed >= PARK_AFTER_ATTEMPTS) await park(entry, error)
        else
          log.warn('Outbox event refused; will try again before parking it', { event_id: entry._id, error })
        return
      }
      sent.push(entry._id)
    }
  }

  return {
    /** Publishes one batch; returns how many events went out. Throws (after dropping those) when Kafka is down. */
    async relayBatch(send: (message: OutboxMessage) => Promise<void>) {
      const handed = local.splice(0)
      const stored = await outbox.find({}).sort({ _id: 1 }).limit(batchSize).toArray()
      const waiting = [...stored, ...handed].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
      if (waiting.length === 0) return 0
      const byOrder = new Map<string, OutboxEntry[]>()
      for (const entry of waiting) {
        const list = byOrder.get(entry.order_id) ?? []
        list.push(entry)
        byOrder.set(entry.order_id, list)
      }
      const queue = [...byOrder.values()]
      const sent: string[] = []
      let transient: unknown
      const worker = async () => {
        for (let next = queue.shift(); next && transient === undefined; next = queue.shift()) {
          await drainOrder(next, send, sent).catch((error) => {
            transient ??= error
          })
        }
      }
      await Promise.all(Array.from({ length: Math.min(ORDERS_AT_ONCE, queue.length) }, worker))
      const done = new Set(sent)
      // Handed over and not sent (Kafka down, or behind a parked event): kept for the next batch.
      local.unshift(...handed.filter((entry) => !done.has(entry._id) && !entry.parked))
      const fromStore = stored.filter((entry) => done.has(entry._id)).map((entry) => entry._id)
      if (fromStore.length > 0) await outbox.deleteMany({ _id: { $in: fromStore } })
      for (const id of sent) unmarked.add(id)
      if (transient !== undefined) throw transient
      return sent.length
    },

    /** Takes an entry written here into the next batch, in memory (the caller holds the lease). */
    handOver(entry: OutboxEntry) {
      local.push(entry)
    },

    /**
     * Stores what was handed over and not sent yet, for whichever relay holds the lease next. Should the
     * store refuse, those events are still pending in the log, and the next holder's sweep copies them.
     */
    async storeHandedOver() {
      const left = local.splice(0)
      if (left.length > 0) await outbox.insertMany(left, { ordered: false }).catch(() => undefined)
      return left.length
    },

    /** Marks in the log what went out since the last call, in one command; returns how many. */
    async markPublished() {
      if (unmarked.size === 0) return 0
      const ids = [...unmarked]
      // `pending: true` first: FerretDB pushes that equality down to its backend and evaluates `$in` only on
      // the few pending events (the `$in` alone costs ~0.2 ms per event of the whole log).
      await events.updateMany(
        { pending: true, _id: { $in: ids } },
        { $set: { pending: false, published_at: new Date() } },
      )
      for (const id of ids) unmarked.delete(id)
      return ids.length
    },

    /**
     * Copies into the outbox the pending log events it lacks: one whose copy failed or whose writer died
     * between its two inserts, one written before the outbox existed, or one another relay published and
     * did not mark before it lost the lease (sent again: consumers skip a message by its ce_id). One read of
     * the whole log, so the relay runs it when it takes the lease and then now and then. Returns how many.
     */
    async sweep() {
      const cutoff = Date.now() - SWEEP_MIN_AGE_MS
      const pending = await events.find({ pending: true }).toArray()
      const handed = new Set(local.map((entry) => entry._id))
      const stray = pending
        .filter(hasMessage)
        .filter(
          (event) =>
            !event.parked &&
            !unmarked.has(event._id) &&
            !handed.has(event._id) &&
            event.at.getTime() < cutoff,
        )
      if (stray.length === 0) return 0
      const present = new Set((await outbox.find({}, { projection: { _id: 1 } }).toArray()).map((e) => e._id))
      let copied = 0
      for (const event of stray) {
        if (present.has(event._id)) continue
        await outbox.insertOne(outboxEntry(event)).then(
          () => copied++,
          () => undefined, // already there (written meanwhile): nothing to copy
        )
      }
      if (copied > 0) log.warn('Order relay copied pending log events missing from its outbox', { copied })
      return copied
    },

    /** For metrics: what waits, and what is parked. */
    async stats() {
      const [pending, parked] = await Promise.all([
        outbox.countDocuments({ parked: { $exists: false } }),
        outbox.countDocuments({ parked: { $exists: true } }),
      ])
      return { pending, parked }
    },
  }
}
