import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import type { OutboxMessage } from '@shop/shared/outbox/message'
import { createPostgresOutbox } from '@shop/shared/outbox/postgres-store'
import { startOutboxRelay } from '@shop/shared/outbox/relay'
import type { Sql } from '@shop/shared/postgres/connect'
import { startPeriodic } from '@shop/shared/runtime/periodic'
import { createEventHandler } from './events/apply-once.ts'
import { INVENTORY_TOPICS, type InventoryTopic } from './events/index.ts'
import { PRUNE_EVERY_MS, pruningTasks, type Retention } from './pruning.ts'

export const CONSUMER_GROUP = 'inventory-service'
/** Partitions handled at once (per-partition order holds); kept under the pool's 10 connections. */
export const CONSUMER_CONCURRENCY = 6
/**
 * Orders (and products) of one partition handled side by side, each one's events in order: a reservation
 * waits on its products' advisory locks, not on the orders ahead of it in the partition.
 */
export const KEYS_AT_ONCE = 4

export interface WorkerDeps {
  sql: Sql
  kafka: Pick<KafkaClient, 'consume' | 'publish'>
  log: Logger
  retention: Retention
  /** Tests give each run a group of its own. */
  groupId?: string
  now?: () => Date
}

const logSent = (log: Logger) => (message: OutboxMessage) => {
  if (message.topic !== 'stock.updated') return
  const payload = message.payload as OutboxMessage<'stock.updated'>['payload']
  log.info(`Sent stock update to stock.updated: ${payload.product_id}`, {
    event_id: message.id,
    product_id: payload.product_id,
    version: payload.version,
    stock: payload.stock,
    reserved: payload.reserved,
    change: payload.change,
    reason: payload.reason,
    order_id: payload.order_id ?? null,
    correlation_id: message.correlation_id,
  })
}

/** Starts the outbox relay, the consumers and the pruning; `stop` stops consuming first, then flushes the outbox. */
export async function startWorkers({
  sql,
  kafka,
  log,
  retention,
  groupId = CONSUMER_GROUP,
  now,
}: WorkerDeps) {
  const relay = startOutboxRelay({
    store: createPostgresOutbox(sql, { log }),
    publish: kafka.publish,
    log,
    onSent: logSent(log),
  })
  const consumer = await kafka
    .consume<InventoryTopic>({
      groupId,
      topics: INVENTORY_TOPICS,
      concurrency: CONSUMER_CONCURRENCY,
      keysAtOnce: KEYS_AT_ONCE,
      handle: createEventHandler({ sql, log, wakeRelay: relay.wake }),
    })
    .catch(async (error) => {
      await relay.stop()
      throw error
    })
  const pruning = startPeriodic({ tasks: pruningTasks(sql, retention, now), intervalMs: PRUNE_EVERY_MS, log })
  return {
    wakeRelay: relay.wake,
    async stop() {
      await pruning.stop()
      await consumer.stop()
      await relay.stop()
    },
  }
}
