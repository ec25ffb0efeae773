import type { Payload } from '@shop/shared/events/topics'
import { insertOutbox } from '@shop/shared/outbox/postgres-store'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import { type StockLevels, stockUpdated } from './stock-events.ts'

export interface Causation {
  /** The consumed event's correlation id, passed on to the events it causes. */
  correlationId?: string | null
}

/**
 * product.created: the product's stock entry with its initial quantity. An entry that already exists (a
 * product.updated that overtook this event created it, or a deletion left its tombstone) stays as it is.
 */
export async function applyProductCreated(
  tx: TransactionSql,
  { product_id, name, quantity }: Payload<'product.created'>,
  { correlationId }: Causation,
) {
  const [row]: [StockLevels?] = await tx`
    INSERT INTO stock (product_id, name, stock, initial) VALUES (${product_id}, ${name}, ${quantity}, ${quantity})
    ON CONFLICT (product_id) DO NOTHING
    RETURNING product_id, stock, reserved`
  if (row) await insertOutbox(tx, stockUpdated(row, { reason: 'initial', change: row.stock, correlationId }))
}

/**
 * product.updated: only the name matters here (quantity is the initial stock and never changes). It travels
 * on another topic than product.created and may overtake it; it carries every field, so it creates the entry.
 */
export async function applyProductUpdated(
  tx: TransactionSql,
  { product_id, name, quantity }: Payload<'product.updated'>,
  { correlationId }: Causation,
) {
  const [row]: [(StockLevels & { created: boolean })?] = await tx`
    INSERT INTO stock (product_id, name, stock, initial) VALUES (${product_id}, ${name}, ${quantity}, ${quantity})
    ON CONFLICT (product_id) DO UPDATE SET name = excluded.name
    RETURNING product_id, stock, reserved, xmax = 0 AS created`
  if (row?.created) {
    await insertOutbox(tx, stockUpdated(row, { reason: 'initial', change: row.stock, correlationId }))
  }
}

/**
 * product.deleted: the entry is taken off sale. What was orderable is written off (so conservation holds);
 * units held by orders stay reserved until those orders are cancelled. A deletion that overtook the creation
 * leaves a tombstone so the late product.created does not put the product on sale.
 */
export async function applyProductDeleted(
  tx: TransactionSql,
  { product_id }: Payload<'product.deleted'>,
  { correlationId }: Causation,
) {
  const [tombstone] = await tx`
    INSERT INTO stock (product_id, name, stock, initial, deleted_at) VALUES (${product_id}, '', 0, 0, now())
    ON CONFLICT (product_id) DO NOTHING
    RETURNING product_id`
  if (tombstone) return
  const [before]: [{ stock: number; deleted: boolean }?] = await tx`
    SELECT stock, deleted_at IS NOT NULL AS deleted FROM stock WHERE product_id = ${product_id} FOR UPDATE`
  if (!before || before.deleted) return
  const [row]: [StockLevels?] = await tx`
    UPDATE stock SET adjustments = adjustments - stock, stock = 0, deleted_at = now(), updated_at = now()
    WHERE product_id = ${product_id}
    RETURNING product_id, stock, reserved`
  if (row)
    await insertOutbox(tx, stockUpdated(row, { reason: 'removed', change: -before.stock, correlationId }))
}
