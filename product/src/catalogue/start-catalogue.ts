import type { KafkaClient } from '@shop/shared/kafka/client'
import type { Logger } from '@shop/shared/log'
import { backoffMs, sleep } from '@shop/shared/runtime/sleep'
import { CATALOGUE_TOPICS, catalogueHandler } from '../events/index.ts'
import type { CatalogueSync } from '../events/sync.ts'
import type { ProductStore } from '../products/store.ts'
import { createCatalogue } from './catalogue.ts'
import { entryOf, tombstone } from './entry.ts'

/** How long a broker may go on refusing the subscription as still settling the topics before start-up fails. */
const SUBSCRIBE_PATIENCE_MS = 30_000

/** A broker still settling freshly created topics answers "unknown topic or partition" for a while. */
async function subscribe<T>(log: Logger, start: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + SUBSCRIBE_PATIENCE_MS
  for (let attempt = 1; ; attempt++) {
    try {
      return await start()
    } catch (error) {
      if (Date.now() > deadline || (error as { retriable?: boolean }).retriable !== true) throw error
      log.warn('Catalogue consumer could not subscribe yet; retrying', { attempt, error })
      await sleep(backoffMs(attempt, 200, 1_000) + 100)
    }
  }
}

export interface CatalogueDeps {
  products: Pick<ProductStore, 'find' | 'all'>
  kafka: Pick<KafkaClient, 'consume'>
  log: Logger
  /** A group of its own per process, so every process sees every event (tests may name theirs). */
  groupId?: string
}

/**
 * Fills this process's catalogue and keeps it current. It subscribes first (a group of its own, from the
 * beginning of the compacted product topics) and loads every document from MongoDB after, so no change
 * made in between is missed; versions make the overlap harmless. Events that arrive during the load only
 * note the newest version they name, and those newer than what the load found are read once it is done.
 */
export async function startCatalogue({
  products,
  kafka,
  log,
  groupId = `product-catalogue-${crypto.randomUUID()}`,
}: CatalogueDeps) {
  const catalogue = createCatalogue()
  const noted = new Map<string, number>()
  let loading = true
  let running = true

  const sync: CatalogueSync = {
    async refresh(productId, version) {
      if (catalogue.version(productId) >= version) return
      if (loading) {
        noted.set(productId, Math.max(noted.get(productId) ?? 0, version))
        return
      }
      const doc = await products.find(productId)
      if (doc) catalogue.apply(entryOf(doc, catalogue.intern))
    },
    remove(productId, version) {
      catalogue.apply(tombstone(productId, version))
    },
  }

  const handle = catalogueHandler(sync)
  let handled = 0
  const consumer = await subscribe(log, () =>
    kafka.consume({
      groupId,
      topics: CATALOGUE_TOPICS,
      handle: async (event) => {
        await handle(event)
        handled++
      },
    }),
  )
  try {
    const started = performance.now()
    for await (const doc of products.all()) catalogue.apply(entryOf(doc, catalogue.intern))
    catalogue.finishLoading()
    loading = false
    for (const [productId, version] of noted) await sync.refresh(productId, version)
    noted.clear()
    log.info('Catalogue loaded', {
      products: catalogue.size,
      duration_ms: Math.round(performance.now() - started),
      group_id: groupId,
    })
  } catch (error) {
    await consumer.stop()
    throw error
  }

  return {
    catalogue,
    /** How many product events this process has applied or found already applied. */
    get handled() {
      return handled
    },
    /** Readiness: loaded, and its consumer running (a crashed one leaves the catalogue going stale). */
    async check() {
      if (!catalogue.loaded || !running) throw new Error('the catalogue is not loaded')
      const problem = consumer.problem()
      if (problem) throw new Error(`the catalogue is no longer kept current: ${problem}`)
    },
    async stop() {
      running = false
      await consumer.stop()
    },
  }
}

export type RunningCatalogue = Awaited<ReturnType<typeof startCatalogue>>
