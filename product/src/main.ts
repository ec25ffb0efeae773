import { createJwtVerifier } from '@shop/shared/http/auth'
import { createKafka } from '@shop/shared/kafka/client'
import { createLogger } from '@shop/shared/log'
import { serveUntilSignal } from '@shop/shared/runtime/lifecycle'
import { MongoClient } from 'mongodb'
import { createApp } from './app.ts'
import { readEnv } from './env.ts'
import { ensureProductIndexes } from './products/document.ts'
import { startWorkers } from './worker.ts'

const env = readEnv()
const log = createLogger({ service: 'product', level: env.LOG_LEVEL })

const mongo = new MongoClient(env.MONGO_URL, { serverSelectionTimeoutMS: 10_000 })
await mongo.connect()
const db = mongo.db()
await ensureProductIndexes(db)

const kafka = createKafka({ brokers: env.KAFKA_BROKERS, service: 'product', log })
await kafka.start()

const workers = startWorkers({ db, publish: kafka.publish, log })
const app = createApp({
  db,
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
    ['outbox relay', workers.stop],
    ['kafka', kafka.disconnect],
    ['mongodb', () => mongo.close()],
  ],
})
