import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import { createPostgresOutbox } from '@shop/shared/outbox/postgres-store'
import { startOutboxRelay } from '@shop/shared/outbox/relay'
import type { Sql } from '@shop/shared/postgres/connect'

/** Login attempts only matter within the rate-limit window; a day of them is kept for looking into abuse. */
const LOGIN_ATTEMPTS_KEPT_MS = 24 * 60 * 60 * 1000
const HOUSEKEEPING_EVERY_MS = 10 * 60 * 1000

export interface WorkerDeps {
  sql: Sql
  kafka: Pick<KafkaClient, 'publish'>
  log: Logger
}

/** The outbox relay that publishes user.created, and a periodic sweep of old login attempts. */
export function startWorkers({ sql, kafka, log }: WorkerDeps) {
  const relay = startOutboxRelay({
    store: createPostgresOutbox(sql),
    publish: kafka.publish,
    log,
    onSent: (message) =>
      log.info('Published event', { topic: message.topic, event_id: message.id, key: message.key }),
  })
  const sweep = async () => {
    const before = new Date(Date.now() - LOGIN_ATTEMPTS_KEPT_MS)
    const deleted = await sql`DELETE FROM login_attempts WHERE attempted_at < ${before}`
    if (deleted.count > 0) log.info('Pruned old login attempts', { deleted: deleted.count })
  }
  const timer = setInterval(() => {
    sweep().catch((error) => log.warn('Could not prune login attempts', { error }))
  }, HOUSEKEEPING_EVERY_MS)

  return {
    wake: () => relay.wake(),
    async stop() {
      clearInterval(timer)
      await relay.stop()
    },
  }
}
