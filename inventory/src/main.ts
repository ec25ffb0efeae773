import { join } from 'node:path'
import { createJwtVerifier } from '@shop/shared/http/auth'
import { createKafka } from '@shop/shared/kafka/client'
import { createLogger } from '@shop/shared/log'
import { migrate } from '@shop/shared/postgres/migrate'
import { connectResilientPostgres } from '@shop/shared/postgres/resilient-pool'
import { serveUntilSignal } from '@shop/shared/runtime/lifecycle'
import { createApp } from './app.ts'
import { readEnv } from './env.ts'
import { startWorkers } from './worker.ts'

const env = readEnv()
const log = createLogger({ service: 'inventory', level: env.LOG_LEVEL })

const sql = connectResilientPostgres(env.DATABASE_URL)
const applied = await migrate(sql, join(import.meta.dir, '..', 'migrations'))
log.info('Database migrated', { applied })

const kafka = createKafka({ brokers: env.KAFKA_BROKERS, service: 'inventory', log })
await kafka.start()

const workers = await startWorkers({ sql, kafka, log })
const app = createApp({
  sql,
  kafka,
  verifyToken: createJwtVerifier({ jwks: env.JWKS_URL }),
  log,
  onEventStored: workers.wake,
})

serveUntilSignal({
  app,
  port: env.PORT,
  hostname: env.HOST,
  log,
  steps: [
    ['consumers and outbox relay', workers.stop],
    ['kafka', kafka.disconnect],
    ['postgres', () => sql.end({ timeout: 5 })],
  ],
})
