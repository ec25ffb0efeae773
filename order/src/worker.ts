import type { Topic } from '@shop/shared/events/topics'
import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import { startPeriodic } from '@shop/shared/runtime/periodic'
import { backoffMs, sleep } from '@shop/shared/runtime/sleep'
import type { Db } from 'mongodb'
import { createAddressStore } from './addresses/store.ts'
import { createCatchUp } from './catalogue/catch-up.ts'
import type { CatalogueStore } from './catalogue/store.ts'
import { collections } from './db.ts'
import type { HandlerDeps } from './events/deps.ts'
import { CATALOGUE_TOPICS, SERVICE_TOPICS, serviceHandler, VIEW_TOPICS, viewHandler } from './events/index.ts'
import { createIdempotencyStore } from './idempotency/store.ts'
import { createOrderStore } from './orders/store.ts'
import { decisionTimeoutTask, timeoutIntervalMs } from './orders/timeouts.ts'
import type { OrderWaiters } from './orders/wait.ts'
import { startOrderRelay } from './relay/relay.ts'

export const CONSUMER_GROUP = 'order-service'
/** Orders of one partition whose events the service consumer handles at once. */
const DECISIONS_AT_ONCE = 16
const DAY_MS = 24 * 60 * 60 * 1000
const PRUNE_INTERVAL_MS = 60 * 60 * 1000

const END_OFFSET_ATTEMPTS = 10

/** Where the catalogue topics end now; a broker still electing leaders for new topics is asked again. */
async function endOffsets(kafka: KafkaClient, log: Logger) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await kafka.endOffsets(CATALOGUE_TOPICS)
    } catch (error) {
      if (attempt >= END_OFFSET_ATTEMPTS || (error as { retriable?: boolean }).retriable !== true) throw error
      log.warn('Catalogue topic offsets not available yet; retrying', { attempt, error })
      await sleep(backoffMs(attempt, 200, 2_000) + 100)
    }
  }
}

export interface WorkerDeps {
  db: Db
  kafka: KafkaClient
  log: Logger
  catalogue: CatalogueStore
  waiters: OrderWaiters
  now?: () => Date
  /** Tests give each run a group of its own; the service always uses CONSUMER_GROUP. */
  groupId?: string
  decisionTimeoutSeconds?: number
  idempotencyKeyRetentionDays?: number
  /** The relay's lease window (tests shorten it). */
  relayLeaseMs?: number
}

/**
 * Starts what runs beside the HTTP server: the relay of the order event log (one process at a time), the
 * service's consumers of decisions and addresses (shared group), this process's own reader of the catalogue
 * topics and of the events that end a wait, the decision timeout, and pruning.
 */
export async function startWorkers({
  db,
  kafka,
  log,
  catalogue,
  waiters,
  now = () => new Date(),
  groupId = CONSUMER_GROUP,
  decisionTimeoutSeconds = 120,
  idempotencyKeyRetentionDays = 7,
  relayLeaseMs,
}: WorkerDeps) {
  const c = collections(db)
  const stops: (() => Promise<void>)[] = []
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop()
  }

  try {
    const relay = startOrderRelay({
      events: c.orderEvents,
      outbox: c.orderOutbox,
      leases: c.relayLeases,
      publish: kafka.publish,
      log,
      leaseMs: relayLeaseMs,
      onSent: (message) => {
        if (message.topic !== 'order.placed') return
        log.info(`Order placed: ${message.key}`, {
          topic: message.topic,
          event_id: message.id,
          correlation_id: message.correlation_id,
          order_id: message.key,
        })
      },
    })
    stops.push(relay.stop)
    const orders = createOrderStore(c, { onChange: waiters.notify, handToRelay: relay.handToRelay })
    const idempotencyKeys = createIdempotencyStore(c.idempotencyKeys)
    const deps: HandlerDeps = {
      orders,
      addresses: createAddressStore(c.addresses),
      catalogue,
      waiters,
      log,
      now,
    }

    const catchUp = createCatchUp(await endOffsets(kafka, log))
    if (catchUp.caughtUp()) catalogue.markLoaded()
    let decisions: { owns: (topic: Topic, partition: number) => boolean } | undefined
    const view = await kafka.consume({
      groupId: `${groupId}-view-${crypto.randomUUID()}`,
      topics: VIEW_TOPICS,
      handle: viewHandler(deps, catchUp, (topic, partition) => decisions?.owns(topic, partition) ?? false),
    })
    stops.push(view.stop)
    // Decisions for different orders side by side (each order's in order): a decision is two store
    // writes, and a partition's orders one after another would cap decisions at a few dozen per second.
    const consumer = await kafka.consume({
      groupId,
      topics: SERVICE_TOPICS,
      keysAtOnce: DECISIONS_AT_ONCE,
      handle: serviceHandler(deps),
    })
    decisions = consumer
    stops.push(consumer.stop)

    const timeouts = startPeriodic({
      tasks: [
        decisionTimeoutTask({
          orders,
          timeoutSeconds: decisionTimeoutSeconds,
          now,
          log,
          wakeRelay: relay.wakeRelay,
        }),
      ],
      intervalMs: timeoutIntervalMs(decisionTimeoutSeconds),
      log,
    })
    stops.push(timeouts.stop)
    const pruningTasks = [
      {
        name: 'idempotency-key-pruning',
        run: () => idempotencyKeys.prune(new Date(now().getTime() - idempotencyKeyRetentionDays * DAY_MS)),
      },
      { name: 'relay-lease-pruning', run: relay.pruneLeases },
    ]
    const pruning = startPeriodic({ tasks: pruningTasks, intervalMs: PRUNE_INTERVAL_MS, log })
    stops.push(pruning.stop)

    return {
      wakeRelay: relay.wakeRelay,
      handToRelay: relay.handToRelay,
      relay,
      /** `/ready`'s `catalogue`: the catalogue topics have been read up to where they ended at start. */
      catalogueReady: async () => {
        if (!catchUp.caughtUp()) throw new Error(`catalogue still loading: ${catchUp.behind().join(', ')}`)
      },
      /** One round of pruning now (it runs hourly by itself); returns how many records went. */
      prune: async () => {
        let pruned = 0
        for (const task of pruningTasks) pruned += await task.run()
        return pruned
      },
      /** Stops consuming (committing offsets) and the periodic tasks, then flushes the relay. */
      stop: stopAll,
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}

export type Workers = Awaited<ReturnType<typeof startWorkers>>
