import { clientTokens } from '../bench/api.ts'
import { createOrderProducts } from '../bench/catalogue.ts'
import { type Audit, audit } from '../bench/conservation.ts'
import type { Journey } from '../bench/journey.ts'
import { warmUp } from '../bench/orders.ts'
import { quantiles } from '../bench/stats.ts'
import { restartStack, stackShape } from './faults.ts'
import { startLoad } from './load.ts'
import type { FaultTimes, Scenario } from './scenarios.ts'

export interface ChaosSettings {
  admin: string
  clients: number
  products: number
  preferWait: boolean
  log: (line: string) => void
}

export interface ScenarioResult {
  id: string
  title: string
  skipped?: string
  placed?: number
  final?: number
  audit?: Omit<Audit, 'products'> & { broken: Audit['products'] }
  error_rate_pct?: number
  /** The last error of each order that had one, counted by kind. */
  error_kinds?: Record<string, number>
  slowest_ms?: number
  recovery_ms?: number | null
  /** From the stack being whole again to the last order that was in flight during the fault being final. */
  after_restore_ms?: number
  cancels?: { ok: number; refused: number; errors: number }
  note?: string
}

/** How long the audit waits for inventory to agree with the orders once the load stopped. */
const SETTLE_MS = 90_000
const BEFORE_FAULT_MS = 3_000
const AFTER_RESTORE_MS = 20_000
const LOAD_ONLY_MS = 10_000
/** Stock per product: plenty for the fault scenarios; few for the cancel race, so rejections happen too. */
const STOCK = 100_000
const RACE_STOCK = 40

/**
 * From the fault on, the earliest arrival after which every order went through without a client error and
 * within `normalMs`: how long the clients felt the fault. null if that never happened before the load stopped.
 */
function recovery(journeys: Journey[], faultAt: number, normalMs: number) {
  const after = journeys.filter((j) => j.due >= faultAt).sort((a, b) => a.due - b.due)
  let firstGood: number | undefined
  for (const j of after) {
    const good = j.errors === 0 && j.latencyMs !== undefined && j.latencyMs <= normalMs
    if (!good) firstGood = undefined
    else firstGood ??= j.due
  }
  return firstGood === undefined ? null : Math.max(0, firstGood - faultAt)
}

/** The last order placed before the stack was whole again: how long after that it became final. */
function afterRestore(journeys: Journey[], restoredAt: number) {
  const caught = journeys.filter((j) => j.due < restoredAt && j.final !== undefined)
  return Math.round(Math.max(0, ...caught.map((j) => (j.final as number) - restoredAt)))
}

export async function runScenario(scenario: Scenario, settings: ChaosSettings): Promise<ScenarioResult> {
  const { admin, log } = settings
  const shape = await stackShape()
  const skipped = scenario.unavailable(shape)
  if (skipped) return { id: scenario.id, title: scenario.title, skipped }

  log(`${scenario.id}: ${scenario.title}`)
  const stock = scenario.cancelRace ? RACE_STOCK : STOCK
  const run = `${Date.now().toString(36)}-${scenario.id}`
  const { ids } = await createOrderProducts(admin, settings.products, stock, run)
  const warm = await warmUp(admin, ids)
  const tokens = await clientTokens(settings.clients, 'chaos')
  const load = startLoad({
    tokens,
    products: ids,
    cancelRace: scenario.cancelRace,
    preferWait: settings.preferWait,
  })

  let times: FaultTimes | undefined
  await Bun.sleep(BEFORE_FAULT_MS)
  try {
    if (scenario.fault) {
      times = await scenario.fault(shape)
      log(`${scenario.id}: ${times.note}`)
    } else {
      await Bun.sleep(LOAD_ONLY_MS)
    }
    await Bun.sleep(AFTER_RESTORE_MS)
  } finally {
    const journeys = await load.stop()
    log(`${scenario.id}: ${journeys.length} orders placed; waiting for the figures to settle`)
    if ((await stackShape()).stopped.length > 0) await restartStack()
  }

  const journeys = [warm, ...load.journeys]
  const result = await audit(admin, new Map(ids.map((id) => [id, stock])), journeys, {
    settleMs: SETTLE_MS,
    rereadAll: true,
  })
  const latencies = journeys.filter((j) => j.latencyMs !== undefined).map((j) => j.latencyMs as number)
  const requests = journeys.reduce((s, j) => s + j.requests, 0)
  const errors = journeys.reduce((s, j) => s + j.errors, 0)
  // The baseline: orders that were done before the fault began (not those it caught in flight).
  const before = journeys.filter((j) => times && j.final !== undefined && j.final < times.faultAt)
  const normalMs = Math.max(1_000, 3 * quantiles(before.map((j) => j.latencyMs as number)).p99)
  const { products, ...rest } = result
  // What the clients saw fail, by kind (the last error of each order that had one): says where errors come from.
  const kinds = new Map<string, number>()
  for (const j of journeys) {
    if (j.errors === 0 || !j.lastError) continue
    const kind = j.lastError.replace(/[0-9a-f]{24}/g, '…').slice(0, 60)
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
  const errorKinds = [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 3)
  return {
    id: scenario.id,
    title: scenario.title,
    placed: journeys.filter((j) => j.id).length,
    final: journeys.filter((j) => j.final !== undefined || (j.status && j.status !== 'PENDING')).length,
    audit: { ...rest, broken: products.filter((p) => !p.ok) },
    error_rate_pct: requests > 0 ? Math.round((10_000 * errors) / requests) / 100 : 0,
    slowest_ms: Math.round(quantiles(latencies).max),
    recovery_ms: times ? recovery(load.journeys, times.faultAt, normalMs) : undefined,
    after_restore_ms: times ? afterRestore(load.journeys, times.restoredAt) : undefined,
    cancels: scenario.cancelRace ? load.cancels : undefined,
    error_kinds: Object.fromEntries(errorKinds),
    note: [
      times?.note,
      errorKinds.length > 0
        ? `errors seen: ${errorKinds.map(([kind, n]) => `${n}× ${kind}`).join(', ')}`
        : undefined,
      scenario.cancelRace
        ? `${shape.replicas('order').length} order process(es), ${RACE_STOCK} in stock each`
        : undefined,
      scenario.cancelRace
        ? `cancels: ${load.cancels.ok} done, ${load.cancels.refused} refused (already final), ${load.cancels.errors} errors`
        : undefined,
    ]
      .filter(Boolean)
      .join('; '),
  }
}
