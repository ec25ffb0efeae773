import { isDuplicateKey } from '@shop/shared/mongo/errors'
import type { OutboxMessage } from '@shop/shared/outbox/message'
import type { Filter, ObjectId } from 'mongodb'
import type { Collections } from '../db.ts'
import {
  applyEvent,
  createEventLog,
  foldEvents,
  type HandToRelay,
  historyEntry,
  newEvent,
  type OrderEvent,
} from './event-log.ts'
import type { OrderDoc, OrderStatus } from './model.ts'

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
  /** Kept in the history entry: a cancellation after payment refunds it. */
  refund?: boolean
  /** The event the change causes, written in the same insert as the change (the log is the outbox). */
  message?: OutboxMessage
}

/** A transition that keeps losing the seq race gives up rather than spin; the caller sees a 5xx or a retry. */
const MAX_ATTEMPTS = 8
/**
 * When, after a raced write, its projection is checked again (a lost update on FerretDB: the other writer's
 * older projection write landing after ours). Twice, for a writer that stalls between its two writes.
 */
const SETTLE_CHECKS_MS = [250, 2_000]

/**
 * Orders as an append-only event log (the truth, and the outbox) plus a projection for reads. Every change
 * inserts `<order_id>:<version + 1>`: of two processes moving one order at once exactly one insert wins, on
 * FerretDB and MongoDB alike; the loser reads the log and decides again. The projection is written after
 * the insert, guarded by version. On FerretDB two such writes can still lose one another, so a writer that
 * raced checks its projection again shortly after, and anyone who finds the log ahead rewrites it; a stale
 * projection is only ever behind the log, never wrong about what happened.
 */
export function createOrderStore(
  { orders, orderEvents, orderOutbox }: Pick<Collections, 'orders' | 'orderEvents' | 'orderOutbox'>,
  {
    onChange = () => {},
    handToRelay,
  }: { onChange?: (orderId: string, event: OrderEvent) => void; handToRelay?: HandToRelay } = {},
) {
  const log = createEventLog(orderEvents, orderOutbox, handToRelay)

  /** Writes the projection unless it is already at this version or later. */
  const project = async (order: OrderDoc) => {
    // Twice: an older projection inserted between our replace and our insert (the placing request's own,
    // racing a very fast decision) is replaced on the second round.
    for (let round = 0; round < 2; round++) {
      const { matchedCount } = await orders.replaceOne(
        { _id: order._id, version: { $lt: order.version } },
        order,
      )
      if (matchedCount > 0) return
      try {
        await orders.insertOne(order)
        return
      } catch (error) {
        if (!isDuplicateKey(error)) throw error
      }
    }
  }

  const current = async (id: ObjectId) => foldEvents(await log.read(id))

  /** The truth, with the projection brought up to it when it lags. */
  const repair = async (id: ObjectId, projected?: OrderDoc | null) => {
    const truth = await current(id)
    if (truth && (!projected || projected.version < truth.version)) await project(truth)
    return truth
  }

  const settleLater = (order: OrderDoc) => {
    for (const ms of SETTLE_CHECKS_MS) {
      setTimeout(async () => {
        const projected = await orders.findOne({ _id: order._id }).catch(() => undefined)
        if (projected === undefined || (projected && projected.version >= order.version)) return
        await repair(order._id, projected).catch(() => undefined)
      }, ms).unref?.()
    }
  }

  const findById = async (id: ObjectId) => {
    const projected = await orders.findOne({ _id: id })
    return projected ?? (await repair(id, null))
  }

  /** Moves `order` (as last read) by `t`; re-reads the log and decides again whenever another writer won. */
  const transitionFrom = async (known: OrderDoc, t: Transition) => {
    let order = known
    let raced = false
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (!t.from.includes(order.status)) {
        if (raced) await project(order)
        return undefined
      }
      const event = newEvent(order._id.toHexString(), order.version + 1, {
        status: t.to,
        at: t.at,
        reason: t.reason ?? null,
        refund: t.refund,
        message: t.message ?? null,
      })
      const next = applyEvent(order, event)
      if (await log.append(event, () => project(next))) {
        if (raced) settleLater(next)
        onChange(next._id.toHexString(), event)
        return next
      }
      raced = true
      const truth = await current(order._id)
      if (!truth) return undefined
      order = truth
    }
    throw new Error(`order ${known._id.toHexString()}: gave up after ${MAX_ATTEMPTS} contended transitions`)
  }

  const transition = async (id: ObjectId, t: Transition) => {
    const order = await findById(id)
    return order ? transitionFrom(order, t) : undefined
  }

  return {
    /**
     * Places an order: its first event (order.placed in its outbox, the order whole) decides that it exists;
     * the projection follows. `created` is false when an order with that id exists already (an idempotent
     * retry), and that order is returned.
     */
    async place(doc: OrderDoc, message: OutboxMessage) {
      const { _id, status: _s, reason: _r, history: _h, version: _v, updated_at: _u, ...placed } = doc
      const first: OrderEvent = {
        ...newEvent(_id.toHexString(), 1, { status: 'PENDING', at: doc.created_at, reason: null, message }),
        placed,
      }
      const insertProjection = async () => {
        try {
          await orders.insertOne(doc)
        } catch (error) {
          // A decision that came very fast may have written the projection from the log already.
          if (!isDuplicateKey(error)) throw error
        }
      }
      if (!(await log.append(first, insertProjection))) {
        const existing = await findById(_id)
        if (!existing) throw new Error(`order ${_id.toHexString()} reported as duplicate but not found`)
        return { order: existing, created: false }
      }
      return { order: doc, created: true }
    },

    /** The projection (what GET shows); rebuilt from the log when it is missing. */
    findById,

    /** The order as its log tells it, the projection repaired on the way when it lags. */
    async findCurrent(id: ObjectId) {
      const [projected, truth] = await Promise.all([orders.findOne({ _id: id }), current(id)])
      if (truth && (!projected || projected.version < truth.version)) await project(truth)
      return truth
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
     * Moves an order from one of `from` to `to`, unless its current status (the log's, not a possibly stale
     * projection's) is not in `from`: then undefined, and nothing is written. A redelivered or late event, or
     * a second cancel, changes nothing.
     */
    transition,

    /** As transition, from an order the caller has just read (saves reading it again). */
    transitionFrom,

    /**
     * Inventory's decision on a PENDING order in two commands: a placed order's first event is always
     * PENDING, so inserting seq 2 without reading anything wins exactly when nothing else has moved the
     * order yet. Otherwise (seq 2 taken) it is an ordinary transition from PENDING.
     */
    async decide(id: ObjectId, { to, at, reason }: { to: OrderStatus; at: Date; reason?: string }) {
      const event = newEvent(id.toHexString(), 2, { status: to, at, reason: reason ?? null, message: null })
      if (!(await log.append(event))) {
        return (await transition(id, { from: ['PENDING'], to, at, reason }))?.status
      }
      const { matchedCount } = await orders.updateOne(
        { _id: id, version: { $lt: 2 } },
        {
          $set: { status: to, updated_at: at, version: 2, ...(reason === undefined ? {} : { reason }) },
          $push: { history: historyEntry(event) },
        },
      )
      if (matchedCount === 0) {
        // No projection yet: the placing request is between its two writes, or the order does not exist.
        const truth = await repair(id, null)
        if (!truth) {
          await log.remove(event)
          return undefined
        }
      }
      onChange(id.toHexString(), event)
      return to
    },

    /** PENDING orders placed before `cutoff` (by the projection: a late decision is settled by transition). */
    findOverdue(cutoff: Date, limit: number) {
      return orders
        .find({ status: 'PENDING', created_at: { $lt: cutoff } })
        .limit(limit)
        .toArray()
    },
  }
}

export type OrderStore = ReturnType<typeof createOrderStore>
