import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import { createPostgresOutbox } from '@shop/shared/outbox/postgres-store'
import { startOutboxRelay } from '@shop/shared/outbox/relay'
import type { Sql } from '@shop/shared/postgres/connect'
import { startPeriodic } from '@shop/shared/runtime/periodic'
import { KEY_RELOAD_MS, type KeyRing } from './keys/key-ring.ts'
import { pruningTasks, type Retention } from './pruning.ts'

const PRUNE_EVERY_MS = 5 * 60 * 1000

export interface WorkerDeps {
  sql: Sql
  kafka: Pick<KafkaClient, 'publish'>
  log: Logger
  keys: KeyRing
  retention: Retention
}

/** The outbox relay (user.created, user.address_*), the signing-key reload, and the pruning of old rows. */
export function startWorkers({ sql, kafka, log, keys, retention }: WorkerDeps) {
  const relay = startOutboxRelay({
    store: createPostgresOutbox(sql, { log }),
    publish: kafka.publish,
    log,
    onSent: (message) =>
      log.info('Published event', { topic: message.topic, event_id: message.id, key: message.key }),
  })
  const keyReload = startPeriodic({
    tasks: [
      {
        name: 'reload signing keys',
        run: async () => {
          await keys.reload()
          return 0
        },
      },
    ],
    intervalMs: KEY_RELOAD_MS,
    log,
  })
  const pruning = startPeriodic({ tasks: pruningTasks(sql, retention), intervalMs: PRUNE_EVERY_MS, log })

  return {
    wakeRelay: () => relay.wake(),
    async stop() {
      await Promise.all([pruning.stop(), keyReload.stop()])
      await relay.stop()
    },
  }
}
