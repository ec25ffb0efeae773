import { join } from 'node:path'
import { createKafka } from '@shop/shared/kafka/client'
import { migrate } from '@shop/shared/postgres/migrate'
import { connectResilientPostgres } from '@shop/shared/postgres/resilient-pool'
import { runService } from '@shop/shared/runtime/run-service'
import { createApp } from './app.ts'
import { readEnv } from './env.ts'
import { loadSigningKey } from './keys/signing-key.ts'
import { startWorkers } from './worker.ts'

await runService({
  service: 'user',
  readEnv,
  async start({ env, log, onStop }) {
    const sql = connectResilientPostgres(env.DATABASE_URL)
    onStop('postgres', () => sql.end({ timeout: 5 }))
    const applied = await migrate(sql, join(import.meta.dir, '..', 'migrations'))
    log.info('Database migrated', { applied })

    const kafka = createKafka({ brokers: env.KAFKA_BROKERS, service: 'user', log })
    onStop('kafka', kafka.disconnect)
    await kafka.start()

    const signingKey = await loadSigningKey(sql, env.JWT_PRIVATE_KEY)
    log.info('Signing key loaded', {
      kid: signingKey.kid,
      alg: signingKey.alg,
      source: env.JWT_PRIVATE_KEY ? 'JWT_PRIVATE_KEY' : 'database',
    })
    const workers = startWorkers({ sql, kafka, log })
    onStop('outbox relay', workers.stop)
    return createApp({
      sql,
      log,
      kafka,
      signingKey,
      adminEmails: env.ADMIN_EMAILS,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
      notify: workers.wake,
    })
  },
})
