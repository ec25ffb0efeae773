import { join } from 'node:path'
import { createJwtVerifier } from '@shop/shared/http/auth'
import { createKafka } from '@shop/shared/kafka/client'
import { openServiceDatabase } from '@shop/shared/postgres/open-service-database'
import { runService } from '@shop/shared/runtime/run-service'
import { createApp } from './app.ts'
import { readEnv } from './env.ts'
import { CONSUMER_GROUP, startWorkers } from './worker.ts'

await runService({
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
})
