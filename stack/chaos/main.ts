/**
 * `npm run chaos`: orders through the gateway from clients that retry a 5xx or a broken connection with the
 * same Idempotency-Key while brokers and service processes are SIGKILLed and restarted; after each scenario
 * every order placed is checked (final, not lost, not doubled) and one table sums them up. Not in `npm test`.
 * CHAOS_SCENARIOS (ids, comma-separated; default all the stack can do), CHAOS_CLIENTS (8),
 * CHAOS_PRODUCTS (10), CHAOS_HOLD_SECONDS (10: how long a killed broker stays down).
 */
import { mkdir } from 'node:fs/promises'
import { adminToken } from '../bench/api.ts'
import { columns } from '../bench/report.ts'
import { ensureStackUp, ROOT } from '../bench/stack.ts'
import { stackShape } from './faults.ts'
import { runScenario, type ScenarioResult } from './run.ts'
import { SCENARIOS } from './scenarios.ts'

const log = (line: string) => console.error(`[chaos] ${line}`)
const chosen = process.env.CHAOS_SCENARIOS?.split(',').map((s) => s.trim())
const unknown = chosen?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? []
if (unknown.length > 0) {
  console.error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`)
  process.exit(2)
}
const settings = {
  clients: Number(process.env.CHAOS_CLIENTS ?? 8),
  products: Number(process.env.CHAOS_PRODUCTS ?? 10),
  // Clients ask for Prefer: wait (the server may ignore it; they poll then).
  preferWait: true,
  log,
}

const started = new Date()
await ensureStackUp(log)
const shape = await stackShape()
log(`stack: Kafka nodes ${shape.kafka.join(', ')}; order processes ${shape.replicas('order').join(', ')}`)

const results: ScenarioResult[] = []
for (const scenario of SCENARIOS.filter((s) => !chosen || chosen.includes(s.id))) {
  try {
    results.push(await runScenario(scenario, { ...settings, admin: await adminToken() }))
  } catch (error) {
    log(`${scenario.id} failed: ${(error as Error).stack}`)
    results.push({ id: scenario.id, title: scenario.title, note: `FAILED: ${(error as Error).message}` })
  }
}

const s = (ms: number | null | undefined) =>
  ms === undefined ? '' : ms === null ? 'not recovered' : `${(ms / 1000).toFixed(1)} s`
/** 'holds', with how long inventory took to agree once the load stopped when that was more than a second. */
const conservation = (audit: NonNullable<ScenarioResult['audit']>) => {
  if (!audit.conserved) return `BROKEN (${audit.broken.length})`
  return audit.settled_ms !== null && audit.settled_ms > 1_000
    ? `holds after ${s(audit.settled_ms)}`
    : 'holds'
}
const header = [
  'scenario',
  'placed',
  'final',
  'lost',
  'not final',
  'conservation',
  'client errors',
  'slowest',
  'recovery',
  'last final after restart',
  'note',
]
const lines = results.map((r) =>
  r.skipped
    ? [r.id, '', '', '', '', '', '', '', '', '', `skipped: ${r.skipped}`]
    : [
        r.id,
        String(r.placed ?? ''),
        String(r.final ?? ''),
        String(r.audit?.lost.length ?? ''),
        String(r.audit?.not_final.length ?? ''),
        r.audit ? conservation(r.audit) : '',
        r.error_rate_pct === undefined ? '' : `${r.error_rate_pct} %`,
        s(r.slowest_ms),
        s(r.recovery_ms),
        s(r.after_restore_ms),
        r.note ?? '',
      ],
)
const dir = `${ROOT}/.cache/chaos`
await mkdir(dir, { recursive: true })
const file = `${dir}/${started.toISOString().replace(/[:.]/g, '-')}.json`
await Bun.write(
  file,
  `${JSON.stringify({ started_at: started.toISOString(), finished_at: new Date().toISOString(), settings, shape: shape.servers, results }, null, 2)}\n`,
)
console.log(columns(header, lines, new Set([1, 2, 3, 4, 6, 7, 8, 9])))
console.log(
  '\nplaced: orders answered 2xx; lost: placed but unknown to the order service; conservation: per product, initial − stock = reserved (+ shipped) = units in CONFIRMED orders (a doubled order breaks it), read again for up to 90 s after the load while inventory catches up; client errors: failed requests (5xx, broken connections) of all requests; recovery: from the fault until every later order went through without an error within 3× the p99 of the orders done before it (at least 1 s); last final after restart: from the stack being whole again until the last order placed before that was final.',
)
console.log(`figures written to ${file.slice(ROOT.length + 1)}`)
const failed = results.some(
  (r) => !r.skipped && (!r.audit?.conserved || r.audit.lost.length > 0 || r.audit.not_final.length > 0),
)
process.exit(failed ? 1 : 0)
