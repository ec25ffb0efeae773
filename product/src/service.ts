import { createJwtVerifier } from '@shop/shared/http/auth'
import { createKafka } from '@shop/shared/kafka/client'
import { connectMongo } from '@shop/shared/mongo/connect'
import type { ServiceDefinition } from '@shop/shared/runtime/run-service'
import { createApp } from './app.ts'
import { startCatalogue } from './catalogue/start-catalogue.ts'
import { type ProductEnv, readEnv } from './env.ts'
import { ensureProductIndexes } from './products/document.ts'
import { createProductStore } from './products/store.ts'
import { startWorkers } from './worker.ts'

/**
 * The product service's start-up, step by step (MongoDB, Kafka, the relay, the catalogue, the app),
 * each undone on SIGTERM in reverse. main.ts loads it once the HTTP server listens.
 */
export const productService: ServiceDefinition<ProductEnv> = {
  service: 'product',
  readEnv,
  async start({ env, log, onStop }) {
    const mongo = await connectMongo(env.MONGO_URL)
    onStop('mongodb', () => mongo.client.close())
    await ensureProductIndexes(mongo.db)

    const kafka = createKafka({ brokers: env.KAFKA_BROKERS, service: 'product', log })
    onStop('kafka', kafka.disconnect)
    await kafka.start()

    const workers = startWorkers({ db: mongo.db, publish: kafka.publish, log })
    onStop('outbox relay', workers.stop)

    const catalogue = await startCatalogue({ products: createProductStore(mongo.db), kafka, log })
    onStop('catalogue', catalogue.stop)
    return createApp({
      db: mongo.db,
      kafka,
      catalogue,
      verifyToken: createJwtVerifier({ jwks: env.JWKS_URL }),
      log,
      wakeRelay: workers.wakeRelay,
      openApiPeers: env.OPENAPI_PEERS,
    })
  },
}
