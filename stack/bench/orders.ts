import { call, GATEWAY } from './api.ts'
import { type Audit, audit } from './conservation.ts'
import { closedLoop, FINAL, type Journey, type JourneyOptions, openLoop, orderJourney } from './journey.ts'
import { delta, mongoCommands } from './metrics.ts'
import type { Row } from './report.ts'
import { quantiles, round } from './stats.ts'

export interface OrdersInput {
  admin: string
  clients: string[]
  products: string[]
  initial: Map<string, number>
  seconds: number
  rate: number
  /** /metrics of every order process, for MongoDB commands per order. */
  orderUrls: string[]
  log: (line: string) => void
}

const GIVE_UP_MS = 30_000

/** Places one order of every product until the order service knows them all (it learns them from events). */
export async function warmUp(admin: string, products: string[]) {
  const items = products.map((product_id) => ({ product_id, quantity: 1 }))
  const deadline = performance.now() + 60_000
  for (;;) {
    const res = await call(GATEWAY, 'POST', '/api/v1/orders/', {
      json: { items },
      token: admin,
      headers: { 'Idempotency-Key': crypto.randomUUID() },
    })
    if (res.status < 300) {
      const warm: Journey = {
        key: 'warm-up',
        items,
        due: performance.now(),
        errors: 0,
        preferApplied: false,
        gets: 0,
        requests: 1,
      }
      return { ...warm, id: res.data._id as string, status: res.data.status as string }
    }
    if (res.status !== 422 || performance.now() > deadline) {
      throw new Error(`the order service does not take orders: ${res.status} ${JSON.stringify(res.data)}`)
    }
    await Bun.sleep(200)
  }
}

function summarise(
  id: string,
  label: string,
  run: { journeys: Journey[]; started: number; windowEnd: number },
  seconds: number,
  note: string,
): Row {
  const finals = run.journeys.filter((j) => j.final !== undefined && j.status !== 'REFUSED')
  const inWindow = finals.filter((j) => (j.final as number) <= run.windowEnd).length
  const q = quantiles(finals.map((j) => j.latencyMs as number))
  const notFinal = run.journeys.filter((j) => j.final === undefined).length
  const errors = run.journeys.reduce((sum, j) => sum + j.errors, 0)
  return {
    id,
    label,
    value: round(inWindow / seconds),
    unit: 'orders/s',
    p50_ms: q.p50,
    p99_ms: q.p99,
    errors: errors + notFinal,
    note: `${run.journeys.length} placed, ${finals.length} final${notFinal ? `, ${notFinal} never final` : ''}; ${note}`,
  }
}

const commandsNote = (d: Record<string, number>, orders: number) =>
  Object.entries(d)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([name, n]) => `${name} ${round(n / orders, 2)}`)
    .join(', ')

/** Closed loop, then open loop, each with MongoDB commands per order, then the conservation audit. */
export async function ordersBench(input: OrdersInput) {
  const { admin, clients, products, seconds, rate, orderUrls, log } = input
  const rows: Row[] = []
  const details: Record<string, unknown> = {}
  const journeys: Journey[] = []
  journeys.push(await warmUp(admin, products))

  const probe = await orderJourney(
    products.slice(0, 1).map((product_id) => ({ product_id, quantity: 1 })),
    performance.now(),
    {
      token: () => admin,
      retry: false,
      preferWait: true,
      giveUpMs: GIVE_UP_MS,
    },
  )
  journeys.push(probe)
  const preferWait = probe.preferApplied
  const waiting = preferWait
    ? 'Prefer: wait=10 honoured'
    : 'Prefer: wait not honoured: polling from 25 ms, backing off to 400 ms'
  log(`orders: ${waiting}`)
  const options = (n: number): JourneyOptions => ({
    token: () => clients[n % clients.length] as string,
    retry: false,
    // A plain shop client: no retries, so no Idempotency-Key (the path issue 14's 5-command target is about).
    idempotencyKey: false,
    preferWait,
    giveUpMs: GIVE_UP_MS,
  })

  const runs = [
    {
      id: 'closed',
      run: () => closedLoop(clients.length, seconds, products, options),
      label: `orders, closed loop (${clients.length} clients)`,
    },
    {
      id: 'open',
      run: () => openLoop(rate, seconds, products, options),
      label: `orders, open loop (${rate}/s)`,
    },
  ]
  for (const { id, run, label } of runs) {
    log(`orders ${id} loop ${seconds}s`)
    const before = await mongoCommands(orderUrls)
    const result = await run()
    const after = await mongoCommands(orderUrls)
    journeys.push(...result.journeys)
    const late = 'maxLateMs' in result ? `, client late by ≤ ${round(result.maxLateMs as number)} ms` : ''
    rows.push(summarise(`orders.${id}`, label, result, seconds, `${waiting}${late}`))
    const gets = result.journeys.reduce((s, j) => s + j.gets, 0) / Math.max(1, result.journeys.length)
    rows.push({
      id: `orders.${id}.gets`,
      label: `  client GETs per order (${id})`,
      value: round(gets, 2),
      unit: '',
    })
    if (before && after) {
      const d = delta(after, before)
      const total = Object.values(d).reduce((s, n) => s + n, 0)
      const placed = result.journeys.filter((j) => j.id).length
      rows.push({
        id: `orders.${id}.mongo`,
        label: `  MongoDB commands per order (${id})`,
        value: round(total / Math.max(1, placed), 2),
        unit: '',
        note: `order service, client GETs included: ${commandsNote(d, Math.max(1, placed))}`,
      })
      details[`mongo_commands_${id}`] = d
    }
    details[`errors_${id}`] = result.journeys
      .filter((j) => j.lastError)
      .slice(0, 5)
      .map((j) => j.lastError)
  }
  if (!rows.some((r) => r.id.endsWith('.mongo'))) {
    rows.push({
      id: 'orders.mongo',
      label: '  MongoDB commands per order',
      value: null,
      unit: '',
      note: 'the order service has no /metrics with MongoDB command counters',
    })
  }

  log('orders: conservation check')
  const result: Audit = await audit(admin, input.initial, journeys)
  const bad = result.products.filter((p) => !p.ok)
  rows.push({
    id: 'orders.conservation',
    label: 'conservation: initial − stock = reserved = units in CONFIRMED',
    value: result.conserved ? 'holds' : `BROKEN for ${bad.length}`,
    unit: '',
    errors: result.lost.length + result.not_final.length,
    note: `${result.products.length} products, ${journeys.length} orders${result.settled_ms && result.settled_ms > 1_000 ? `, agreed after ${Math.round(result.settled_ms / 1000)} s` : ''}; lost ${result.lost.length}, not final ${result.not_final.length}, unplaced ${result.unplaced}`,
  })
  details.conservation = { ...result, products: bad.length > 0 ? bad : `${result.products.length} ok` }
  details.statuses = countBy(journeys.map((j) => j.status ?? (j.id ? 'unknown' : 'not placed')))
  details.final_statuses = [...FINAL]
  return { rows, details }
}

function countBy(values: string[]) {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return counts
}
