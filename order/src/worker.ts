import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import { createMongoOutbox } from '@shop/shared/outbox/mongo-store'
import { startOutboxRelay } from '@shop/shared/outbox/relay'
import type { Db } from 'mongodb'
import { CATALOGUE_TOPICS, handleCatalogueEvent } from './catalogue/consumer.ts'
import { createCatalogueStore } from './catalogue/store.ts'
import { collections } from './db.ts'
import { DECISION_TOPICS, handleStockDecision } from './orders/stock-consumer.ts'
import { createOrderStore } from './orders/store.ts'

export const CONSUMER_GROUP = 'order-service'

export interface WorkerDeps {
  db: Db
  kafka: KafkaClient
  log: Logger
  now?: () => Date
  /** Tests give each run a group of its own; the service always uses CONSUMER_GROUP. */
  groupId?: string
}

/** Starts the outbox relay for order events and the consumers of catalogue, stock and decision events. */
export async function startWorkers({
  db,
  kafka,
  log,
  now = () => new Date(),
  groupId = CONSUMER_GROUP,
}: WorkerDeps) {
  const { orders: ordersCollection, catalogue: catalogueCollection } = collections(db)
  const orders = createOrderStore(ordersCollection)
  const catalogue = createCatalogueStore(catalogueCollection)

  const relay = startOutboxRelay({
    store: createMongoOutbox(ordersCollection),
    publish: kafka.publish,
    log,
    onSent: (message) => {
      if (message.topic !== 'order.placed') return
      log.info(`Order placed: ${message.key}`, {
        topic: message.topic,
        event_id: message.id,
        correlation_id: message.correlation_id,
        order_id: message.key,
      })
    },
  })

  const consumer = await kafka
    .consume({
      groupId,
      topics: [...CATALOGUE_TOPICS, ...DECISION_TOPICS],
      handle: async (event) => {
        switch (event.topic) {
          case 'stock.reserved':
          case 'stock.rejected':
            return handleStockDecision(event, { orders, log, now: now() })
          default:
            return handleCatalogueEvent(event, { catalogue, log, now: now() })
        }
      },
    })
    .catch(async (error) => {
      await relay.stop()
      throw error
    })

  return {
    wake: relay.wake,
    /** Stops consuming (committing offsets), then flushes what is left in the outbox. */
    async stop() {
      await consumer.stop()
      await relay.stop()
    },
  }
}

export type Workers = Awaited<ReturnType<typeof startWorkers>>
