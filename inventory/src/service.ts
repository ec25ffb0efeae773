import { join } from 'node:path'
import { createJwtVerifier } from '@shop/shared/http/auth'
import { createKafka } from '@shop/shared/kafka/client'
import { openServiceDatabase } from '@shop/shared/postgres/open-service-database'
import type { ServiceDefinition } from '@shop/shared/runtime/run-service'
import { createApp } from './app.ts'
import { type InventoryEnv, readEnv } from './env.ts'
import { CONSUMER_GROUP, startWorkers } from './worker.ts'

/**
 * The inventory service's start-up, step by step (PostgreSQL, Kafka, the consumers and relay, the app),
 * each undone on SIGTERM in reverse. main.ts loads it once the HTTP server listens.
 */
export const inventoryService: ServiceDefinition<InventoryEnv> = {
  service: 'inventory',
  readEnv,
  async start({ env, log, onStop }) {
    const sql = await openServiceDatabase({
      url: env.DATABASE_URL,
      migrations: join(import.meta.dir, '..', 'migrations'),
      log,
      onStop,
    })

    const topicPrefix = env.KAFKA_TOPIC_PREFIX
    const kafka = createKafka({ brokers: env.KAFKA_BROKERS, service: 'inventory', log, topicPrefix })
    onStop('kafka', kafka.disconnect)
    await kafka.start()

    const retention = {
      outboxHours: env.OUTBOX_RETENTION_HOURS,
      processedEventsDays: env.PROCESSED_EVENTS_RETENTION_DAYS,
    }
    const groupId = `${topicPrefix}${CONSUMER_GROUP}`
    const workers = await startWorkers({ sql, kafka, log, retention, groupId })
    onStop('consumers and outbox relay', workers.stop)
    return createApp({
      sql,
      kafka,
      verifyToken: createJwtVerifier({ jwks: env.JWKS_URL }),
      log,
      wakeRelay: workers.wakeRelay,
    })
  },
}
