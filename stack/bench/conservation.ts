import { call, GATEWAY } from './api.ts'
import { type StockFigures, stockOf } from './catalogue.ts'
import { FINAL, type Journey } from './journey.ts'

/** Statuses whose units inventory still holds as reserved, and those it counts as shipped. */
const RESERVED = new Set(['CONFIRMED', 'PAID', 'PROCESSING'])
const SHIPPED = new Set(['SHIPPED', 'DELIVERED'])
const CONCURRENCY = 16
const SETTLE_POLL_MS = 250

export interface ProductCheck {
  product_id: string
  initial: number
  stock: number
  reserved: number
  shipped: number
  /** Units in the orders we placed that hold stock (CONFIRMED, …) and that shipped. */
  ordered_reserved: number
  ordered_shipped: number
  ok: boolean
}

export interface Audit {
  /** Placed with a 2xx (we hold an id) but unknown to the order service now. */
  lost: string[]
  /** Still not final when the audit read them. */
  not_final: string[]
  /** Placement never answered 2xx: we cannot know whether the order exists. */
  unplaced: number
  products: ProductCheck[]
  conserved: boolean
  /** How long after the audit began the figures agreed (inventory still applying late cancels and decisions). */
  settled_ms: number | null
}

async function inBatches<T>(items: T[], work: (item: T) => Promise<void>) {
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++] as T)
    }),
  )
}

/** Reads every order we hold an id of again (as admin): lost ones, and the latest status of the rest. */
async function reread(token: string, journeys: Journey[], all: boolean) {
  const lost: string[] = []
  const chosen = journeys.filter((j) => j.id && (all || !j.status || !FINAL.has(j.status)))
  await inBatches(chosen, async (j) => {
    for (let tries = 0; ; tries++) {
      const res = await call(GATEWAY, 'GET', `/api/v1/orders/${j.id}`, { token }).catch(() => undefined)
      if (res?.status === 200) {
        j.status = res.data.status
        return
      }
      if (res?.status === 404) {
        lost.push(j.id as string)
        return
      }
      if (tries >= 20) throw new Error(`cannot read order ${j.id}: ${res?.status ?? 'no answer'}`)
      await Bun.sleep(250)
    }
  })
  return lost
}

function check(initial: Map<string, number>, figures: Map<string, StockFigures>, journeys: Journey[]) {
  const units = new Map<string, { reserved: number; shipped: number }>()
  for (const j of journeys) {
    if (!j.id || !j.status) continue
    for (const item of j.items) {
      const u = units.get(item.product_id) ?? { reserved: 0, shipped: 0 }
      if (RESERVED.has(j.status)) u.reserved += item.quantity
      if (SHIPPED.has(j.status)) u.shipped += item.quantity
      units.set(item.product_id, u)
    }
  }
  return [...initial].map(([product_id, start]): ProductCheck => {
    const f = figures.get(product_id) ?? { stock: Number.NaN, reserved: Number.NaN, shipped: Number.NaN }
    const u = units.get(product_id) ?? { reserved: 0, shipped: 0 }
    const ok =
      start - f.stock === f.reserved + f.shipped && f.reserved === u.reserved && f.shipped === u.shipped
    return {
      product_id,
      initial: start,
      ...f,
      ordered_reserved: u.reserved,
      ordered_shipped: u.shipped,
      ok,
    }
  })
}

/**
 * The conservation check after a run, per product: initial − stock = reserved (+ shipped) = units in the
 * orders that hold them. Inventory may still be applying a cancel or a late decision: it is read again until
 * the figures agree or `settleMs` passes.
 */
export async function audit(
  token: string,
  initial: Map<string, number>,
  journeys: Journey[],
  { settleMs = 15_000, rereadAll = false } = {},
): Promise<Audit> {
  const began = performance.now()
  const lost = await reread(token, journeys, rereadAll)
  const deadline = began + settleMs
  for (;;) {
    const figures = new Map<string, StockFigures>()
    await inBatches([...initial.keys()], async (id) => {
      figures.set(id, await stockOf(token, id))
    })
    const products = check(initial, figures, journeys)
    const notFinal = journeys
      .filter((j) => j.id && (!j.status || !FINAL.has(j.status)))
      .map((j) => j.id as string)
    const conserved = products.every((p) => p.ok)
    if ((conserved && notFinal.length === 0) || performance.now() > deadline) {
      const settled = conserved && notFinal.length === 0
      return {
        lost,
        not_final: notFinal,
        unplaced: journeys.filter((j) => !j.id && j.status !== 'REFUSED').length,
        products,
        conserved,
        settled_ms: settled ? Math.round(performance.now() - began) : null,
      }
    }
    await Bun.sleep(SETTLE_POLL_MS)
    await reread(token, journeys, false)
  }
}
