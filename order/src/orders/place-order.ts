import { fromCents, toCents } from '@shop/shared/events/primitives'
import { BusinessRuleError, ConflictError, ServiceUnavailableError } from '@shop/shared/http/errors'
import { outboxMessage } from '@shop/shared/outbox/message'
import { ObjectId } from 'mongodb'
import type { CatalogueEntry, CatalogueStore } from '../catalogue/store.ts'
import type { IdempotencyStore } from '../idempotency/store.ts'
import type { OrderDoc, OrderItem, ShippingAddress } from './model.ts'
import type { PlaceOrder } from './schemas.ts'
import type { OrderStore } from './store.ts'

export interface PlaceOrderStores {
  orders: OrderStore
  catalogue: CatalogueStore
  idempotencyKeys: IdempotencyStore
}

export interface PlaceOrderRequest {
  userId: string
  body: PlaceOrder
  /** Resolved by the route from `address_id` or the inline `shipping_address`; null when none was given. */
  addressId: string | null
  shippingAddress: ShippingAddress | null
  idempotencyKey?: string
  correlationId: string
  now: Date
}

type ItemRef = { product_id: string; quantity: number }
type SentItem = ItemRef & { price?: number }

/** The same product twice in one order is one line with the quantities added, in first-seen order. */
export function mergeItems(items: ItemRef[]): ItemRef[] {
  const merged = new Map<string, number>()
  for (const { product_id, quantity } of items)
    merged.set(product_id, (merged.get(product_id) ?? 0) + quantity)
  return [...merged].map(([product_id, quantity]) => ({ product_id, quantity }))
}

/** Two bodies are "the same request" when they ask for the same quantities of the same products, in any order. */
export function requestHash(
  items: ItemRef[],
  addressId: string | null,
  shippingAddress: ShippingAddress | null = null,
) {
  const canonical = [...items].sort((a, b) => a.product_id.localeCompare(b.product_id))
  return new Bun.CryptoHasher('sha256')
    .update(JSON.stringify({ items: canonical, address_id: addressId, shipping_address: shippingAddress }))
    .digest('hex')
}

type Orderable = CatalogueEntry & { name: string; price_cents: number }

const isOrderable = (entry: CatalogueEntry | undefined): entry is Orderable =>
  entry !== undefined && !entry.deleted && entry.name !== undefined && entry.price_cents !== undefined

/** Checks the items against the local catalogue and snapshots their names and prices. */
async function priceItems(
  catalogue: CatalogueStore,
  items: ItemRef[],
  sent: SentItem[],
): Promise<OrderItem[]> {
  if (!catalogue.isLoaded())
    throw new ServiceUnavailableError('The catalogue is still loading; try again shortly')
  const known = await catalogue.findMany(items.map((item) => item.product_id))
  const unknown = items.filter((item) => !isOrderable(known.get(item.product_id)))
  if (unknown.length > 0) {
    throw new BusinessRuleError(
      `Not for sale: ${unknown.map((item) => item.product_id).join(', ')}`,
      unknown.map((item) => ({ path: 'items', message: `unknown product ${item.product_id}` })),
    )
  }
  // A customer never pays a price they were not shown.
  const stale = sent.filter((item) => {
    const entry = known.get(item.product_id) as Orderable
    return item.price !== undefined && toCents(item.price) !== entry.price_cents
  })
  if (stale.length > 0) {
    const detail = stale.map(({ product_id, price }) => {
      const entry = known.get(product_id) as Orderable
      return `${entry.name} (${product_id}) costs ${fromCents(entry.price_cents)} now, not ${price}`
    })
    throw new ConflictError(`The price has changed: ${detail.join('; ')}`)
  }
  const priced = items.map((item) => {
    const entry = known.get(item.product_id) as Orderable
    return { ...item, name: entry.name, unit_price_cents: entry.price_cents, stock: entry.stock }
  })
  // Only stock known to be short is refused here; inventory has the last word when it reserves.
  const short = priced.filter((item) => item.stock !== undefined && item.quantity > item.stock)
  if (short.length > 0) {
    const detail = short.map(
      (item) => `${item.name} (${item.product_id}): ${item.quantity} asked, ${item.stock} left`,
    )
    throw new ConflictError(`Not enough stock: ${detail.join('; ')}`)
  }
  return priced.map(({ product_id, name, unit_price_cents, quantity }) => ({
    product_id,
    name,
    unit_price_cents,
    quantity,
  }))
}

/** With a key already spent on this same request, the order it placed; a key spent on another body is a 409. */
async function replayOf(stores: PlaceOrderStores, userId: string, key: string, hash: string) {
  const seen = await stores.idempotencyKeys.find(userId, key)
  if (!seen) return undefined
  if (seen.request_hash !== hash) throw keyReused()
  const existing = await stores.orders.findById(seen.order_id)
  return existing ? { order: existing, created: false } : undefined
}

/**
 * Places an order, or with an Idempotency-Key returns the order that key already placed. Pricing reads the
 * in-memory catalogue, so the first store command is the key's record, which fixes the order id before the
 * order is written: concurrent requests with one key all insert the order's first event under the same
 * `_id` and only the first insert wins. Errors (422, 409) are not remembered: a retry re-evaluates, unless
 * the key already placed an order, which is then returned whatever the catalogue says now.
 */
export async function placeOrder(
  stores: PlaceOrderStores,
  { userId, body, addressId, shippingAddress, idempotencyKey, correlationId, now }: PlaceOrderRequest,
): Promise<{ order: OrderDoc; created: boolean }> {
  const items = mergeItems(body.items)
  const hash = requestHash(items, addressId, shippingAddress)
  let orderId = new ObjectId()

  let priced: OrderItem[]
  try {
    priced = await priceItems(stores.catalogue, items, body.items)
  } catch (refusal) {
    const replay =
      idempotencyKey === undefined ? undefined : await replayOf(stores, userId, idempotencyKey, hash)
    if (replay) return replay
    throw refusal
  }

  if (idempotencyKey !== undefined) {
    const claim = await stores.idempotencyKeys.claim({
      user_id: userId,
      key: idempotencyKey,
      request_hash: hash,
      order_id: orderId,
      created_at: now,
    })
    if (claim.request_hash !== hash) throw keyReused()
    orderId = claim.order_id
  }

  const order: OrderDoc = {
    _id: orderId,
    user_id: userId,
    items: priced,
    total_cents: priced.reduce((sum, item) => sum + item.unit_price_cents * item.quantity, 0),
    address_id: addressId,
    shipping_address: shippingAddress,
    status: 'PENDING',
    reason: null,
    history: [{ status: 'PENDING', at: now }],
    idempotency_key: idempotencyKey ?? null,
    request_hash: idempotencyKey === undefined ? null : hash,
    version: 1,
    created_at: now,
    updated_at: now,
  }
  const placed = outboxMessage(
    'order.placed',
    { order_id: orderId.toHexString(), user_id: userId, items },
    { key: orderId.toHexString(), correlationId },
  )
  return stores.orders.place(order, placed)
}

const keyReused = () =>
  new ConflictError('This Idempotency-Key was already used with a different request body')
