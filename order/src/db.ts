import type { Db } from 'mongodb'
import type { AddressDoc } from './addresses/store.ts'
import type { IdempotencyKey } from './idempotency/store.ts'
import type { OrderEvent, OutboxEntry } from './orders/event-log.ts'
import type { OrderDoc } from './orders/model.ts'
import type { RelayLease } from './relay/lease.ts'

/** The service's collections, typed; taking them does no I/O. */
export const collections = (db: Db) => ({
  /** The projection clients read (GET, lists); the truth is `orderEvents`. */
  orders: db.collection<OrderDoc>('orders'),
  /** The append-only log of every order's changes, and the outbox of the events they cause. */
  orderEvents: db.collection<OrderEvent>('order_events'),
  /** The log's messages not yet published: what the relay polls (small, however long the log grows). */
  orderOutbox: db.collection<OutboxEntry>('order_outbox'),
  idempotencyKeys: db.collection<IdempotencyKey>('idempotency_keys'),
  addresses: db.collection<AddressDoc>('addresses'),
  relayLeases: db.collection<RelayLease>('relay_leases'),
})

export type Collections = ReturnType<typeof collections>

/**
 * Indexes for the real MongoDB (FerretDB keeps them but scans anyway). Uniqueness that matters lives in
 * `_id`s: an order's id, `<order_id>:<seq>` for its events, `${user_id}:${key}` for idempotency keys,
 * `relay:<window>` for relay leases.
 */
export async function ensureIndexes(db: Db) {
  const { orders, orderEvents, idempotencyKeys } = collections(db)
  await orders.createIndex({ user_id: 1, created_at: -1 })
  await orders.createIndex({ status: 1, created_at: -1 })
  await orderEvents.createIndex({ order_id: 1 })
  await orderEvents.createIndex({ pending: 1 })
  await idempotencyKeys.createIndex({ created_at: 1 })
}
