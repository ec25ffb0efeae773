import { createJwtVerifier } from '@shop/shared/http/auth'
import { createKafka } from '@shop/shared/kafka/client'
import { connectMongo } from '@shop/shared/mongo/connect'
import { runService } from '@shop/shared/runtime/run-service'
import { createApp } from './app.ts'
import { ensureIndexes } from './db.ts'
import { loadEnv } from './env.ts'
import { startWorkers } from './worker.ts'

await runService({
  service: 'order',
  readEnv: loadEnv,
  async start({ env, log, onStop }) {
    const mongo = await connectMongo(env.MONGO_URL)
    onStop('mongodb', () => mongo.client.close())
    await ensureIndexes(mongo.db)

    const kafka = createKafka({ brokers: env.KAFKA_BROKERS, service: 'order', log })
    onStop('kafka', kafka.disconnect)
    await kafka.start()

    const workers = await startWorkers({ db: mongo.db, kafka, log })
    onStop('consumers and outbox flush', workers.stop)
    return createApp({
      db: mongo.db,
      verify: createJwtVerifier({ jwks: env.JWKS_URL }),
      log,
      ready: { mongodb: mongo.ping, kafka: () => kafka.ping() },
      wakeOutbox: workers.wake,
    })
  },
})
