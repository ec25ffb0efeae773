import type { VerifyToken } from '@shop/shared/http/auth'
import { createBaseApp } from '@shop/shared/http/base-app'
import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import type { Sql } from '@shop/shared/postgres/connect'
import { openApi } from './openapi.ts'
import { stockRoutes } from './stock/routes.ts'
import { createStockStore } from './stock/store.ts'

export interface AppDeps {
  sql: Sql
  kafka: Pick<KafkaClient, 'ping'>
  verifyToken: VerifyToken
  log: Logger
  /** Wakes the outbox relay after a write; without it the relay still finds the event at its next poll. */
  wakeRelay?: () => void
}

export function createApp({ sql, kafka, verifyToken, log, wakeRelay = () => {} }: AppDeps) {
  const app = createBaseApp({
    service: 'inventory',
    log,
    ready: { postgres: () => sql`SELECT 1`, kafka: () => kafka.ping() },
    openapi: openApi,
  })
  app.route('/api/v1/inventory', stockRoutes({ sql, stock: createStockStore(sql), verifyToken, wakeRelay }))
  return app
}
