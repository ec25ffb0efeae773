import { join } from 'node:path'
import { createKafka } from '@shop/shared/kafka/client'
import { createLogger } from '@shop/shared/log'
import { migrate } from '@shop/shared/postgres/migrate'
import { connectResilientPostgres } from '@shop/shared/postgres/resilient-pool'
import { serveUntilSignal } from '@shop/shared/runtime/lifecycle'
import { createApp } from './app.ts'
import { readEnv } from './env.ts'
import { loadSigningKey } from './keys/signing-key.ts'
import { startWorkers } from './worker.ts'

const env = readEnv()
const log = createLogger({ service: 'user', level: env.LOG_LEVEL })

async function main() {
  const sql = connectResilientPostgres(env.DATABASE_URL)
  const applied = await migrate(sql, join(import.meta.dir, '..', 'migrations'))
  log.info('Database migrated', { applied })
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, service: 'user', log })
  await kafka.start()
  const signingKey = await loadSigningKey(sql, env.JWT_PRIVATE_KEY)
  log.info('Signing key loaded', {
    kid: signingKey.kid,
    alg: signingKey.alg,
    source: env.JWT_PRIVATE_KEY ? 'JWT_PRIVATE_KEY' : 'database',
  })
  const workers = startWorkers({ sql, kafka, log })
  const app = createApp({
    sql,
    log,
    kafka,
    signingKey,
    adminEmails: env.ADMIN_EMAILS,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    notify: workers.wake,
  })
  serveUntilSignal({
    app,
    port: env.PORT,
    hostname: env.HOST,
    log,
    steps: [
      ['outbox relay', workers.stop],
      ['kafka', kafka.disconnect],
      ['postgres', () => sql.end({ timeout: 5 })],
    ],
  })
}

main().catch((error) => {
  log.error('Start-up failed', { error })
  process.exit(1)
})
