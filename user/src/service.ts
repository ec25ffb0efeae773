import { join } from 'node:path'
import { createKafka } from '@shop/shared/kafka/client'
import { openServiceDatabase } from '@shop/shared/postgres/open-service-database'
import type { ServiceDefinition } from '@shop/shared/runtime/run-service'
import { createApp } from './app.ts'
import { createPasswords } from './auth/passwords.ts'
import { readEnv, type UserEnv } from './env.ts'
import { fixedKeyRing, openKeyRing } from './keys/key-ring.ts'
import { signingKeyFromText } from './keys/signing-key.ts'
import { bootstrapAdmin } from './users/bootstrap-admin.ts'
import { createUserStore } from './users/store.ts'
import { startWorkers } from './worker.ts'

/** Both limits count within one window, as the login limiter always has. */
const LIMIT_WINDOW_SECONDS = 15 * 60
const FAILURES_PER_EMAIL = 5

/**
 * The user service's start-up, step by step (PostgreSQL, Kafka, the signing keys, the admin, the workers, the app),
 * each undone on SIGTERM in reverse. main.ts loads it once the HTTP server listens.
 */
export const userService: ServiceDefinition<UserEnv> = {
  service: 'user',
  readEnv,
  async start({ env, log, onStop }) {
    const sql = await openServiceDatabase({
      url: env.DATABASE_URL,
      migrations: join(import.meta.dir, '..', 'migrations'),
      log,
      onStop,
    })

    const kafka = createKafka({
      brokers: env.KAFKA_BROKERS,
      service: 'user',
      log,
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
    })
    onStop('kafka', kafka.disconnect)
    await kafka.start()

    const keys = env.JWT_PRIVATE_KEY
      ? fixedKeyRing(await signingKeyFromText(env.JWT_PRIVATE_KEY))
      : await openKeyRing({ sql, tokenLifetimeSeconds: env.ACCESS_TOKEN_TTL_SECONDS })
    const { kid, alg } = keys.current()
    log.info('Signing key loaded', { kid, alg, source: env.JWT_PRIVATE_KEY ? 'JWT_PRIVATE_KEY' : 'database' })

    if (env.ADMIN_EMAIL && env.ADMIN_PASSWORD) {
      const outcome = await bootstrapAdmin({
        users: createUserStore(sql),
        passwords: createPasswords(),
        email: env.ADMIN_EMAIL,
        password: env.ADMIN_PASSWORD,
        log,
      })
      log.info('Admin bootstrap', { outcome })
    }

    const workers = startWorkers({
      sql,
      kafka,
      log,
      keys,
      retention: {
        loginWindowSeconds: LIMIT_WINDOW_SECONDS,
        registrationWindowSeconds: LIMIT_WINDOW_SECONDS,
        outboxRetentionHours: env.OUTBOX_RETENTION_HOURS,
        accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      },
    })
    onStop('workers', workers.stop)
    return createApp({
      sql,
      log,
      kafka,
      keys,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
      loginLimits: {
        windowSeconds: LIMIT_WINDOW_SECONDS,
        failuresPerEmail: FAILURES_PER_EMAIL,
        attemptsPerClient: env.LOGIN_LIMIT_PER_ADDRESS,
      },
      registrationLimits: {
        windowSeconds: LIMIT_WINDOW_SECONDS,
        perClient: env.REGISTRATION_LIMIT_PER_ADDRESS,
      },
      trustedProxies: env.TRUSTED_PROXIES,
      wakeRelay: workers.wakeRelay,
    })
  },
}
