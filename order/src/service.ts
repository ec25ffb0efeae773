import { createJwtVerifier } from '@shop/shared/http/auth'
import { createKafka } from '@shop/shared/kafka/client'
import { connectMongo } from '@shop/shared/mongo/connect'
import type { ServiceDefinition, StartContext } from '@shop/shared/runtime/run-service'
import { createApp } from './app.ts'
import { createCatalogueStore } from './catalogue/store.ts'
import { ensureIndexes } from './db.ts'
import { type OrderEnv, readEnv } from './env.ts'
import { importLegacyOrders } from './orders/legacy-import.ts'
import { createOrderWaiters } from './orders/wait.ts'
import { startWorkers } from './worker.ts'

/**
 * The order service's start-up, step by step (each undone on SIGTERM in reverse): MongoDB, Kafka, the
 * workers, the app. main.ts runs it; the replica tests run it in child processes, on topics of their own.
 */
export async function startOrderService(
  { env, log, onStop }: StartContext<OrderEnv>,
  {
    topicPrefix,
    groupId,
    relayLeaseMs,
  }: { topicPrefix?: string; groupId?: string; relayLeaseMs?: number } = {},
) {
  const mongo = await connectMongo(env.MONGO_URL)
  onStop('mongodb', () => mongo.client.close())
  await ensureIndexes(mongo.db)
  await importLegacyOrders(mongo.db, log)

  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, service: 'order', log, topicPrefix })
  onStop('kafka', kafka.disconnect)
  await kafka.start()

  const catalogue = createCatalogueStore()
  const waiters = createOrderWaiters()
  const workers = await startWorkers({
    db: mongo.db,
    kafka,
    log,
    catalogue,
    waiters,
    groupId,
    relayLeaseMs,
    decisionTimeoutSeconds: env.ORDER_DECISION_TIMEOUT_SECONDS,
    idempotencyKeyRetentionDays: env.IDEMPOTENCY_KEY_RETENTION_DAYS,
  })
  onStop('consumers, periodic tasks and relay flush', workers.stop)
  return createApp({
    db: mongo.db,
    verifyToken: createJwtVerifier({ jwks: env.JWKS_URL }),
    log,
    ready: { mongodb: mongo.ping, kafka: () => kafka.ping(), catalogue: workers.catalogueReady },
    catalogue,
    waiters,
    wakeRelay: workers.wakeRelay,
    handToRelay: workers.handToRelay,
  })
}

/** What main.ts runs once the HTTP server listens. */
export const orderService: ServiceDefinition<OrderEnv> = {
  service: 'order',
  readEnv,
  start: (context) => startOrderService(context),
}
