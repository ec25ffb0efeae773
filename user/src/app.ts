import { createBaseApp } from '@shop/shared/http/base-app'
import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import type { Sql } from '@shop/shared/postgres/connect'
import { createAddressStore } from './addresses/store.ts'
import { createAccessTokens, DEFAULT_ACCESS_TOKEN_TTL_SECONDS } from './auth/access-tokens.ts'
import { createClientAddress } from './auth/client-address.ts'
import { createLoginLimiter, DEFAULT_LOGIN_LIMITS, type LoginLimits } from './auth/login-limiter.ts'
import { createPasswords, type PasswordCost } from './auth/passwords.ts'
import { createRefreshTokens, DEFAULT_REFRESH_TOKEN_TTL_SECONDS } from './auth/refresh-tokens.ts'
import {
  createRegistrationLimiter,
  DEFAULT_REGISTRATION_LIMITS,
  type RegistrationLimits,
} from './auth/registration-limiter.ts'
import { authRoutes } from './auth/routes.ts'
import type { KeyRing } from './keys/key-ring.ts'
import { jwksRoutes } from './keys/routes.ts'
import { openApi } from './openapi.ts'
import { userRoutes } from './users/routes.ts'
import { createUserStore } from './users/store.ts'

export interface UserDeps {
  sql: Sql
  log: Logger
  kafka: Pick<KafkaClient, 'ping'>
  keys: KeyRing
  accessTokenTtlSeconds?: number
  refreshTokenTtlSeconds?: number
  loginLimits?: LoginLimits
  registrationLimits?: RegistrationLimits
  /** Proxies in front of the gateway, skipped when reading X-Forwarded-For. */
  trustedProxies?: readonly string[]
  passwordCost?: PasswordCost
  now?: () => Date
  /** Wakes the outbox relay after a write that put an event in the outbox. */
  wakeRelay?: () => void
}

export function createApp(deps: UserDeps) {
  const { sql, log } = deps
  const now = deps.now ?? (() => new Date())
  const wakeRelay = deps.wakeRelay ?? (() => undefined)
  const users = createUserStore(sql)
  const addresses = createAddressStore(sql)
  const passwords = createPasswords(deps.passwordCost)
  const clientAddress = createClientAddress(deps.trustedProxies)
  const limiter = createLoginLimiter({ sql, limits: deps.loginLimits ?? DEFAULT_LOGIN_LIMITS, now })
  const accessTokens = createAccessTokens({
    keys: deps.keys,
    ttlSeconds: deps.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
    now,
  })
  const refreshTokens = createRefreshTokens({
    sql,
    ttlSeconds: deps.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
    now,
  })

  const app = createBaseApp({
    service: 'user',
    log,
    openapi: openApi,
    ready: { postgres: async () => sql`SELECT 1`, kafka: () => deps.kafka.ping() },
  })
  app.route('/', jwksRoutes(deps.keys.jwks))
  app.route(
    '/api/v1/auth',
    authRoutes({
      users,
      passwords,
      accessTokens,
      refreshTokens,
      limiter,
      registrations: createRegistrationLimiter({
        sql,
        limits: deps.registrationLimits ?? DEFAULT_REGISTRATION_LIMITS,
        now,
      }),
      clientAddress,
      wakeRelay,
    }),
  )
  app.route(
    '/api/v1/users',
    userRoutes({
      verifyToken: accessTokens.verifyToken,
      users,
      addresses,
      passwords,
      refreshTokens,
      limiter,
      clientAddress,
      wakeRelay,
    }),
  )
  return app
}
