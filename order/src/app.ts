import type { VerifyToken } from '@shop/shared/http/auth'
import { createBaseApp } from '@shop/shared/http/base-app'
import type { ReadinessChecks } from '@shop/shared/http/health'
import type { Logger } from '@shop/shared/log'
import type { Db } from 'mongodb'
import { createAddressStore } from './addresses/store.ts'
import type { CatalogueStore } from './catalogue/store.ts'
import { collections } from './db.ts'
import { createIdempotencyStore } from './idempotency/store.ts'
import { openApi } from './openapi.ts'
import type { HandToRelay } from './orders/event-log.ts'
import { orderRoutes } from './orders/routes.ts'
import { createOrderStore } from './orders/store.ts'
import type { OrderWaiters } from './orders/wait.ts'

export interface AppDeps {
  db: Db
  verifyToken: VerifyToken
  log: Logger
  ready: ReadinessChecks
  /** The in-memory catalogue the workers keep current. */
  catalogue: CatalogueStore
  /** Requests waiting on `Prefer: wait`, woken by the workers and by this app's own writes. */
  waiters: OrderWaiters
  now?: () => Date
  wakeRelay?: () => void
  /** The relay's in-memory hand-over of events written here (see relay.ts); without it, all are stored. */
  handToRelay?: HandToRelay
}

export function createApp({
  db,
  verifyToken,
  log,
  ready,
  catalogue,
  waiters,
  now = () => new Date(),
  wakeRelay = () => {},
  handToRelay,
}: AppDeps) {
  const c = collections(db)
  const app = createBaseApp({ service: 'order', log, ready, openapi: openApi })
  app.route(
    '/api/v1/orders',
    orderRoutes({
      orders: createOrderStore(c, { onChange: waiters.notify, handToRelay }),
      catalogue,
      waiters,
      idempotencyKeys: createIdempotencyStore(c.idempotencyKeys),
      addresses: createAddressStore(c.addresses),
      verify: verifyToken,
      now,
      wakeRelay,
    }),
  )
  return app
}
