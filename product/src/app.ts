import type { VerifyToken } from '@shop/shared/http/auth'
import { createBaseApp } from '@shop/shared/http/base-app'
import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import type { Db } from 'mongodb'
import { productRoutes } from './products/routes.ts'
import { createProductStore } from './products/store.ts'

export interface AppDeps {
  db: Db
  kafka: Pick<KafkaClient, 'ping'>
  verifyToken: VerifyToken
  log: Logger
  /** Wakes the outbox relay after a write; without it the relay still finds the event at its next poll. */
  onEventStored?: () => void
  clock?: () => Date
}

export function createApp({ db, kafka, verifyToken, log, onEventStored = () => {}, clock }: AppDeps) {
  const app = createBaseApp({
    service: 'product',
    log,
    ready: { mongodb: () => db.command({ ping: 1 }), kafka: () => kafka.ping() },
  })
  const products = createProductStore(db, clock)
  app.route('/api/v1/products', productRoutes({ products, verifyToken, onEventStored }))
  return app
}
