import type { VerifyToken } from '@shop/shared/http/auth'
import { createBaseApp } from '@shop/shared/http/base-app'
import type { ReadinessChecks } from '@shop/shared/http/health'
import type { Logger } from '@shop/shared/log'
import type { Db } from 'mongodb'
import { createAddressStore } from './addresses/store.ts'
import { createCatalogueStore } from './catalogue/store.ts'
import { collections } from './db.ts'
import { createIdempotencyStore } from './idempotency/store.ts'
import { orderRoutes } from './orders/routes.ts'
import { createOrderStore } from './orders/store.ts'

export interface AppDeps {
  db: Db
  verify: VerifyToken
  log: Logger
  ready: ReadinessChecks
  now?: () => Date
  wakeOutbox?: () => void
}

export function createApp({
  db,
  verify,
  log,
  ready,
  now = () => new Date(),
  wakeOutbox = () => {},
}: AppDeps) {
  const { orders, catalogue, idempotencyKeys, addresses } = collections(db)
  const app = createBaseApp({ service: 'order', log, ready })
  app.route(
    '/api/v1/orders',
    orderRoutes({
      orders: createOrderStore(orders),
      catalogue: createCatalogueStore(catalogue),
      idempotencyKeys: createIdempotencyStore(idempotencyKeys),
      addresses: createAddressStore(addresses),
      verify,
      now,
      wakeOutbox,
    }),
  )
  return app
}
