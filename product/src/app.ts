import { docsRoutes } from '@shop/shared/docs/docs-routes'
import type { VerifyToken } from '@shop/shared/http/auth'
import { createBaseApp } from '@shop/shared/http/base-app'
import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import type { Db } from 'mongodb'
import type { RunningCatalogue } from './catalogue/start-catalogue.ts'
import { openApi } from './openapi.ts'
import { productRoutes } from './products/routes.ts'
import { createProductStore } from './products/store.ts'

export interface AppDeps {
  db: Db
  kafka: Pick<KafkaClient, 'ping'>
  /** This process's in-memory catalogue (see catalogue/start-catalogue.ts), which answers every read. */
  catalogue: Pick<RunningCatalogue, 'catalogue' | 'check'>
  verifyToken: VerifyToken
  log: Logger
  /** Wakes the outbox relay after a write; without it the relay still finds the event at its next poll. */
  wakeRelay?: () => void
  now?: () => Date
  /** Base URLs of the other services whose documents /api/v1/openapi.json merges with this one's. */
  openApiPeers?: string[]
}

export function createApp({
  db,
  kafka,
  catalogue,
  verifyToken,
  log,
  wakeRelay = () => {},
  now,
  openApiPeers = [],
}: AppDeps) {
  const app = createBaseApp({
    service: 'product',
    log,
    openapi: openApi,
    ready: {
      mongodb: () => db.command({ ping: 1 }),
      kafka: () => kafka.ping(),
      catalogue: () => catalogue.check(),
    },
  })
  const products = createProductStore(db, now)
  app.route(
    '/api/v1/products',
    productRoutes({ products, catalogue: catalogue.catalogue, verifyToken, wakeRelay }),
  )
  // The gateway sends the whole API's documentation here (see the Caddyfile).
  app.route('/', docsRoutes({ own: openApi, peers: openApiPeers }))
  return app
}
