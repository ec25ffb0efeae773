import type { Payload } from '@shop/shared/events/topics'
import { MAX_STOCK } from '../stock/schemas.ts'

export interface StockOnHand {
  product_id: string
  stock: number
  on_sale: boolean
}

export interface Shortage {
  product_id: string
  requested: number
  available: number
}

/** Byte order, as `ORDER BY product_id COLLATE "C"`: every writer locks stock rows in this one order. */
export const byProductId = (a: { product_id: string }, b: { product_id: string }) =>
  a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0

/** The quantity wanted per product, in product id order (the order rows are locked in), summing repeats. */
export function wantedByProduct(items: Payload<'order.placed'>['items']) {
  const wanted = new Map<string, number>()
  for (const item of [...items].sort(byProductId)) {
    wanted.set(item.product_id, (wanted.get(item.product_id) ?? 0) + item.quantity)
  }
  return wanted
}

/** Every product the locked rows cannot fill; an unknown or removed product has 0 available. */
export function findShortages(wanted: Map<string, number>, rows: StockOnHand[]) {
  const byId = new Map(rows.map((row) => [row.product_id, row]))
  const shortages: Shortage[] = []
  const missing: string[] = []
  for (const [product_id, requested] of wanted) {
    const row = byId.get(product_id)
    const available = row?.on_sale ? row.stock : 0
    if (!row?.on_sale) missing.push(product_id)
    // The event schema caps a quantity; a request over the cap is short whatever is in stock.
    if (requested > available)
      shortages.push({ product_id, requested: Math.min(requested, MAX_STOCK), available })
  }
  return { shortages, reason: shortageReason(shortages, missing) }
}

function shortageReason(shortages: Shortage[], missing: string[]) {
  const short = shortages.filter((shortage) => !missing.includes(shortage.product_id))
  const parts = [
    missing.length > 0 ? `unknown or removed product: ${missing.join(', ')}` : '',
    short.length > 0 ? `not enough stock for product: ${short.map((s) => s.product_id).join(', ')}` : '',
  ]
  return parts.filter(Boolean).join('; ')
}
