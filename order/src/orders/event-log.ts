import { isDuplicateKey } from '@shop/shared/mongo/errors'
import type { OutboxMessage } from '@shop/shared/outbox/message'
import { type Collection, ObjectId } from 'mongodb'
import type { HistoryEntry, OrderDoc, OrderStatus } from './model.ts'

/** The order as it was placed, kept whole in its first event so the projection can always be rebuilt. */
export type PlacedOrder = Omit<OrderDoc, '_id' | 'status' | 'reason' | 'history' | 'version' | 'updated_at'>

/**
 * One change of one order, appended to `order_events` under `_id` `<order_id>:<seq>`. The `_id` index makes
 * `seq` a compare-and-set on FerretDB (whose only atomic write is an insert against a unique index) and on
 * MongoDB alike: two processes that read version n and both insert n + 1 cannot both win. The log is also
 * the durable outbox: `pending` is true until the relay has published `message` and marked it (it alone
 * sets it false), or the relay adds `parked` (a message that can never be published; it stays pending and
 * holds back the order's later events, so per-order order holds). The relay reads a small copy of the
 * pending ones, `order_outbox` (OutboxEntry), never the log itself on its hot path.
 */
export interface OrderEvent {
  _id: string
  order_id: string
  seq: number
  status: OrderStatus
  at: Date
  reason: string | null
  refund?: boolean
  message: OutboxMessage | null
  pending: boolean
  published_at?: Date
  parked?: { error: string; at: Date }
  /** Only in seq 1. */
  placed?: PlacedOrder
  /** Seq 1 of an order imported from the older single-document layout: its history up to then. */
  history?: HistoryEntry[]
  /** An imported event that only carries a message still to publish; the order's state does not change. */
  carries_only?: true
}

/** Zero-padded, so `_id`s of one order sort by seq as strings (the relay reads pending events by `_id`). */
export const eventId = (orderId: string, seq: number) => `${orderId}:${String(seq).padStart(6, '0')}`

/**
 * A log event whose message waits for the relay, copied beside the log and deleted once published. It
 * keeps the relay's polls cheap whatever the log's size: FerretDB scans a whole collection on every read.
 */
export interface OutboxEntry {
  _id: string
  order_id: string
  seq: number
  at: Date
  message: OutboxMessage
  parked?: { error: string; at: Date }
}

export const outboxEntry = (event: OrderEvent & { message: OutboxMessage }): OutboxEntry => ({
  _id: event._id,
  order_id: event.order_id,
  seq: event.seq,
  at: event.at,
  message: event.message,
})

export const hasMessage = (event: OrderEvent): event is OrderEvent & { message: OutboxMessage } =>
  event.message !== null

export type Change = Pick<OrderEvent, 'status' | 'at' | 'reason' | 'refund' | 'message'>

export const newEvent = (orderId: string, seq: number, change: Change): OrderEvent => ({
  _id: eventId(orderId, seq),
  order_id: orderId,
  seq,
  status: change.status,
  at: change.at,
  reason: change.reason,
  ...(change.refund === undefined ? {} : { refund: change.refund }),
  message: change.message,
  pending: change.message !== null,
})

export const historyEntry = (event: Pick<OrderEvent, 'status' | 'at' | 'reason' | 'refund'>) => {
  const entry: HistoryEntry = { status: event.status, at: event.at }
  if (event.reason !== null) entry.reason = event.reason
  if (event.refund !== undefined) entry.refund = event.refund
  return entry
}

/** The order after `event`: what a writer that knows the previous state puts in the projection. */
export const applyEvent = (order: OrderDoc, event: OrderEvent): OrderDoc => {
  if (event.carries_only) return { ...order, version: event.seq }
  return {
    ...order,
    status: event.status,
    reason: event.reason ?? order.reason,
    history: [...order.history, historyEntry(event)],
    version: event.seq,
    updated_at: event.at,
  }
}

/** The order as its log tells it (the truth); undefined when the log has no placement. */
export function foldEvents(events: OrderEvent[]): OrderDoc | undefined {
  const sorted = [...events].sort((a, b) => a.seq - b.seq)
  const first = sorted[0]
  if (!first?.placed || first.seq !== 1) return undefined
  const placedOrder: OrderDoc = {
    ...first.placed,
    _id: new ObjectId(first.order_id),
    status: first.status,
    reason: first.reason,
    history: first.history ?? [historyEntry(first)],
    version: 1,
    updated_at: first.at,
  }
  return sorted.slice(1).reduce(applyEvent, placedOrder)
}

/** Takes an entry into the relay's next batch in memory; false when the writer must store it. */
export type HandToRelay = (entry: OutboxEntry) => boolean

export function createEventLog(
  events: Collection<OrderEvent>,
  outbox: Collection<OutboxEntry>,
  handToRelay: HandToRelay = () => false,
) {
  const copy = async (entry: OutboxEntry) => {
    if (!handToRelay(entry)) await outbox.insertOne(entry).catch(() => undefined)
  }
  return {
    /**
     * Appends the event, and its message to the relay's outbox (or straight to the relay, when this process
     * holds its lease); false when that seq is taken (somebody else moved the order first). The log insert decides; `alongside` (the projection's write) then runs beside
     * the outbox copy. Should the copy fail (or the process die before it), the relay's sweep of the log
     * copies it later, so the message is still published.
     */
    async append(event: OrderEvent, alongside?: () => Promise<unknown>) {
      try {
        await events.insertOne(event)
      } catch (error) {
        if (isDuplicateKey(error)) return false
        throw error
      }
      await Promise.all([hasMessage(event) ? copy(outboxEntry(event)) : undefined, alongside?.()])
      return true
    },

    /** One equality read: every event of the order (a handful), in seq order. */
    async read(orderId: ObjectId) {
      const found = await events.find({ order_id: orderId.toHexString() }).toArray()
      return found.sort((a, b) => a.seq - b.seq)
    },

    /** Takes back an event appended for an order that turned out not to exist (a decision for a stranger). */
    async remove(event: OrderEvent) {
      await events.deleteOne({ _id: event._id })
    },
  }
}

export type EventLog = ReturnType<typeof createEventLog>
