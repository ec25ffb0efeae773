import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import { createDocumentLock } from '@shop/shared/mongo/document-lock'
import type { OutboxMessage } from '@shop/shared/outbox/message'
import { createMongoOutbox } from '@shop/shared/outbox/mongo-store'
import { startOutboxRelay } from '@shop/shared/outbox/relay'
import type { Db } from 'mongodb'
import { productsCollection } from './products/document.ts'

export interface WorkerDeps {
  db: Db
  publish: KafkaClient['publish']
  log: Logger
  batchSize?: number
}

/** The seed's log line, once per product creation that reached Kafka. */
const logPublished = (log: Logger) => (message: OutboxMessage) => {
  if (message.topic !== 'product.created') return
  log.info(`Published product creation event to product.created: ${message.key}`, {
    product_id: message.key,
    event_id: message.id,
  })
}

/**
 * The relay that publishes the products' outboxes, under the same cross-process lock as the routes'
 * writes; published events are trimmed from the document, so a product patched forever stays small.
 * (The catalogue consumer is started apart: reads must wait for it, the relay need not.)
 */
export function startWorkers({ db, publish, log, batchSize }: WorkerDeps) {
  const relay = startOutboxRelay({
    store: createMongoOutbox(productsCollection(db), { lock: createDocumentLock(db), trim: true }),
    publish,
    log,
    batchSize,
    onSent: logPublished(log),
  })
  return { wakeRelay: relay.wake, stop: relay.stop }
}
