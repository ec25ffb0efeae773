import { createBaseApp } from '@shop/shared/http/base-app'
import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import type { Sql } from '@shop/shared/postgres/connect'
import { createAddressStore } from './addresses/store.ts'
import { createAccessTokens, DEFAULT_ACCESS_TOKEN_TTL_SECONDS } from './auth/access-tokens.ts'
import { createLoginLimiter, DEFAULT_LOGIN_LIMITS, type LoginLimits } from './auth/login-limiter.ts'
import { createPasswords, type PasswordCost } from './auth/passwords.ts'
import { createRefreshTokens, DEFAULT_REFRESH_TOKEN_TTL_SECONDS } from './auth/refresh-tokens.ts'
import { authRoutes } from './auth/routes.ts'
import { jwksRoutes } from './keys/routes.ts'
import type { SigningKey } from './keys/signing-key.ts'
import { userRoutes } from './users/routes.ts'
import { createUserStore } from './users/store.ts'

export interface UserDeps {
  sql: Sql
  log: Logger
  kafka: Pick<KafkaClient, 'ping'>
  signingKey: SigningKey
  /** Lower-case addresses that register as admins. */
  adminEmails: readonly string[]
  accessTokenTtlSeconds?: number
  refreshTokenTtlSeconds?: number
  loginLimits?: LoginLimits
  passwordCost?: PasswordCost
  now?: () => Date
  /** Wakes the outbox relay after a write that put an event in the outbox. */
  notify?: () => void
}

export function createApp(deps: UserDeps) {
  const { sql, log } = deps
  const now = deps.now ?? (() => new Date())
  const users = createUserStore(sql)
  const addresses = createAddressStore(sql)
  const accessTokens = createAccessTokens({
    key: deps.signingKey,
    ttlSeconds: deps.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
    now,
  })

  const app = createBaseApp({
    service: 'user',
    log,
    ready: { postgres: async () => sql`SELECT 1`, kafka: () => deps.kafka.ping() },
  })
  app.route('/', jwksRoutes(accessTokens.jwks))
  app.route(
    '/api/v1/auth',
    authRoutes({
      users,
      passwords: createPasswords(deps.passwordCost),
      accessTokens,
      refreshTokens: createRefreshTokens({
        sql,
        ttlSeconds: deps.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
        now,
      }),
      limiter: createLoginLimiter({ sql, limits: deps.loginLimits ?? DEFAULT_LOGIN_LIMITS, now }),
      adminEmails: new Set(deps.adminEmails.map((email) => email.toLowerCase())),
      notify: deps.notify ?? (() => undefined),
    }),
  )
  app.route('/api/v1/users', userRoutes({ verify: accessTokens.verify, users, addresses }))
  return app
}
