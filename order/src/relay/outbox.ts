import type { Logger } from '@shop/shared/log'
import type { OutboxMessage } from '@shop/shared/outbox/message'
import { isRetriablePublishError, PARK_AFTER_ATTEMPTS, publishErrorText } from '@shop/shared/outbox/relay'
import type { Collection } from 'mongodb'
import type { OrderEvent } from '../orders/event-log.ts'

/** Orders published side by side within one batch; each order's own events go out one after another. */
const ORDERS_AT_ONCE = 16

/**
 * The order event log read as an outbox. One find takes the pending events in `_id` order (`<order_id>:<seq>`
 * zero-padded, so an order's events come in seq order and a batch cut by the limit never holds an event
 * without the ones before it); one updateMany marks those published. Only the relay writes these marks, and
 * they only ever go from pending to published, so no write of theirs can undo another.
 */
export function createOrderOutbox(
  events: Collection<OrderEvent>,
  { log, batchSize }: { log: Logger; batchSize: number },
) {
  /** Failed attempts per event with an error no retry can cure (in memory: a restart retries a few more). */
  const attempts = new Map<string, number>()

  const park = async (event: OrderEvent, error: unknown) => {
    const text = publishErrorText(error)
    await events.updateOne({ _id: event._id }, { $set: { parked: { error: text, at: new Date() } } })
    attempts.delete(event._id)
    log.error('Outbox event parked: it cannot be published; later events of its order wait behind it', {
      event_id: event.message?.id,
      order_id: event.order_id,
      seq: event.seq,
      topic: event.message?.topic,
      error: text,
    })
  }

  /** Sends one order's pending events in seq order, stopping at the first that does not go out. */
  const drainOrder = async (
    pending: OrderEvent[],
    send: (message: OutboxMessage) => Promise<void>,
    sent: string[],
  ) => {
    for (const event of pending) {
      if (event.parked) return
      if (event.message) {
        try {
          await send(event.message)
        } catch (error) {
          if (isRetriablePublishError(error)) throw error
          const failed = (attempts.get(event._id) ?? 0) + 1
          attempts.set(event._id, failed)
          if (failed >= PARK_AFTER_ATTEMPTS) await park(event, error)
          else
            log.warn('Outbox event refused; will try again before parking it', { event_id: event._id, error })
          return
        }
      }
      sent.push(event._id)
    }
  }

  return {
    /** Publishes one batch; returns how many events went out. Throws (after marking those) when Kafka is down. */
    async relayBatch(send: (message: OutboxMessage) => Promise<void>) {
      const pending = await events.find({ pending: true }).sort({ _id: 1 }).limit(batchSize).toArray()
      if (pending.length === 0) return 0
      const byOrder = new Map<string, OrderEvent[]>()
      for (const event of pending) {
        const list = byOrder.get(event.order_id) ?? []
        list.push(event)
        byOrder.set(event.order_id, list)
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
      if (sent.length > 0) {
        await events.updateMany(
          { _id: { $in: sent } },
          { $set: { pending: false, published_at: new Date() } },
        )
      }
      if (transient !== undefined) throw transient
      return sent.length
    },
  }
}
