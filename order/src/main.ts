import { createJwtVerifier } from '@shop/shared/http/auth'
import { createKafka } from '@shop/shared/kafka/client'
import { createLogger } from '@shop/shared/log'
import { serveUntilSignal } from '@shop/shared/runtime/lifecycle'
import { MongoClient } from 'mongodb'
import { createApp } from './app.ts'
import { ensureIndexes } from './db.ts'
import { loadEnv } from './env.ts'
import { startWorkers } from './worker.ts'

const env = loadEnv()
const log = createLogger({ service: 'order', level: env.LOG_LEVEL })

const mongo = new MongoClient(env.MONGO_URL, { serverSelectionTimeoutMS: 5_000 })
await mongo.connect()
const db = mongo.db()
await ensureIndexes(db)

const kafka = createKafka({ brokers: env.KAFKA_BROKERS, service: 'order', log })
await kafka.start()

const workers = await startWorkers({ db, kafka, log })
const app = createApp({
  db,
  verify: createJwtVerifier({ jwks: env.JWKS_URL }),
  log,
  ready: { mongo: () => db.command({ ping: 1 }), kafka: () => kafka.ping() },
  wakeOutbox: workers.wake,
})

serveUntilSignal({
  app,
  port: env.PORT,
  hostname: env.HOST,
  log,
  steps: [
    ['consumers and outbox flush', () => workers.stop()],
    ['kafka', () => kafka.disconnect()],
    ['mongo', () => mongo.close()],
  ],
})
