import { type Answer, call, GATEWAY } from './api.ts'

export interface Item {
  product_id: string
  quantity: number
}

/** One client's order from the POST to the moment it saw the order final (or gave up). */
export interface Journey {
  key: string
  items: Item[]
  /** performance.now() when the journey was due (open loop) or began (closed loop). */
  due: number
  id?: string
  /** The last status seen; PENDING if it never became final. */
  status?: string
  /** HTTP status of the POST that placed it (the last attempt). */
  placeStatus?: number
  final?: number
  latencyMs?: number
  /** Client-visible failures: 5xx, broken connections, unexpected answers (each retry counts). */
  errors: number
  lastError?: string
  /** Whether the server said `Preference-Applied: wait=…`. */
  preferApplied: boolean
  gets: number
  /** Every HTTP request the client made for this order, failed ones included. */
  requests: number
}

export interface JourneyOptions {
  token: () => string
  /** Retry a 5xx or a broken connection with the same Idempotency-Key (chaos clients do). */
  retry: boolean
  /** Send an Idempotency-Key (needed to retry a POST safely; the store keeps a record of each key). */
  idempotencyKey?: boolean
  /** Ask for `Prefer: wait=10` on the POST and the GETs. */
  preferWait: boolean
  giveUpMs: number
  pollMs?: number
  /** Runs once the order is placed, before waiting for it (chaos: a cancel racing the reservation). */
  onPlaced?: (journey: Journey) => Promise<void>
}

export const FINAL = new Set([
  'CONFIRMED',
  'REJECTED',
  'CANCELLED',
  'PAID',
  'PROCESSING',
  'SHIPPED',
  'DELIVERED',
])
const WAIT_SECONDS = 10
const RETRY_MS = 100
/** Without `Prefer: wait`, polls start quick and back off, so a slow run is not made slower by its own polls. */
const FIRST_POLL_MS = 25
const MAX_POLL_MS = 400

/** Picks 1–3 distinct products, 1–2 units each. */
export function randomItems(products: string[]): Item[] {
  const count = 1 + Math.floor(Math.random() * Math.min(3, products.length))
  const chosen = new Set<string>()
  while (chosen.size < count) chosen.add(products[Math.floor(Math.random() * products.length)] as string)
  return [...chosen].map((product_id) => ({ product_id, quantity: 1 + Math.floor(Math.random() * 2) }))
}

const transient = (res: Answer | undefined) => res === undefined || res.status >= 500

async function attempt(j: Journey, fn: () => Promise<Answer>): Promise<Answer | string> {
  j.requests++
  try {
    return await fn()
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  }
}

/** Places one order and follows it until final, as a shop client would. */
export async function orderJourney(items: Item[], due: number, options: JourneyOptions): Promise<Journey> {
  const j: Journey = {
    key: crypto.randomUUID(),
    items,
    due,
    errors: 0,
    preferApplied: false,
    gets: 0,
    requests: 0,
  }
  const deadline = due + options.giveUpMs
  const prefer: Record<string, string> = options.preferWait ? { Prefer: `wait=${WAIT_SECONDS}` } : {}
  const seen = (res: Answer) => {
    if (res.headers.get('Preference-Applied')?.startsWith('wait')) j.preferApplied = true
    j.status = res.data?.status
    if (j.status && FINAL.has(j.status)) {
      j.final = performance.now()
      j.latencyMs = j.final - due
    }
  }

  while (j.id === undefined && performance.now() < deadline) {
    const res = await attempt(j, () =>
      call(GATEWAY, 'POST', '/api/v1/orders/', {
        json: { items },
        token: options.token(),
        headers: { ...(options.idempotencyKey === false ? {} : { 'Idempotency-Key': j.key }), ...prefer },
      }),
    )
    if (typeof res !== 'string') j.placeStatus = res.status
    if (typeof res !== 'string' && res.status < 300) {
      j.id = res.data._id
      seen(res)
      break
    }
    if (typeof res !== 'string' && res.status === 409) {
      // Stock already known to be short: a correct answer, final at once, not a client error.
      j.status = 'REFUSED'
      j.final = performance.now()
      j.latencyMs = j.final - due
      return j
    }
    j.errors++
    j.lastError =
      typeof res === 'string' ? res : `POST ${res.status} ${JSON.stringify(res.data).slice(0, 200)}`
    if (!options.retry || (typeof res !== 'string' && !transient(res))) return j
    await Bun.sleep(RETRY_MS)
  }

  if (j.id !== undefined && j.final === undefined && options.onPlaced) await options.onPlaced(j)
  let pollMs = options.pollMs ?? FIRST_POLL_MS
  while (j.id !== undefined && j.final === undefined && performance.now() < deadline) {
    const long = options.preferWait && j.preferApplied
    if (!long) {
      await Bun.sleep(pollMs)
      pollMs = Math.min(MAX_POLL_MS, pollMs * 1.5)
    }
    const res = await attempt(j, () =>
      call(GATEWAY, 'GET', `/api/v1/orders/${j.id}`, { token: options.token(), headers: long ? prefer : {} }),
    )
    j.gets++
    if (typeof res !== 'string' && res.status === 200) {
      seen(res)
      continue
    }
    j.errors++
    j.lastError =
      typeof res === 'string' ? res : `GET ${res.status} ${JSON.stringify(res.data).slice(0, 200)}`
    if (!options.retry && typeof res !== 'string' && !transient(res)) return j
    await Bun.sleep(RETRY_MS)
  }
  return j
}

/** N clients, each placing an order and waiting for it final, again and again for `seconds`. */
export async function closedLoop(
  clients: number,
  seconds: number,
  products: string[],
  options: (client: number) => JourneyOptions,
) {
  const journeys: Journey[] = []
  const started = performance.now()
  const end = started + seconds * 1000
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < end) {
        journeys.push(await orderJourney(randomItems(products), performance.now(), options(client)))
      }
    }),
  )
  return { journeys, started, windowEnd: end }
}

/** Orders arriving on a fixed schedule (`rate` a second for `seconds`), whatever the answers take. */
export async function openLoop(
  rate: number,
  seconds: number,
  products: string[],
  options: (n: number) => JourneyOptions,
) {
  const started = performance.now() + 50
  const count = Math.round(rate * seconds)
  const running: Promise<Journey>[] = []
  let maxLateMs = 0
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 0) await Bun.sleep(wait)
    maxLateMs = Math.max(maxLateMs, performance.now() - due)
    running.push(orderJourney(randomItems(products), due, options(i)))
  }
  const journeys = await Promise.all(running)
  return { journeys, started, windowEnd: started + seconds * 1000, maxLateMs }
}
