import type { Payload } from '@shop/shared/events/topics'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import { recordChange } from '../stock/changes.ts'
import { upsertEntry } from '../stock/store.ts'
import type { Causation } from './causation.ts'

/**
 * product.updated: only the name matters here (quantity is the initial stock and never changes), applied when
 * the event's version is newer than the last one applied. It travels on another topic than product.created
 * and may overtake it; it carries every field, so it creates the entry.
 */
export async function onProductUpdated(
  tx: TransactionSql,
  { product_id, name, quantity, version }: Payload<'product.updated'>,
  { correlationId }: Causation,
) {
  const row = await upsertEntry(tx, { product_id, name, quantity, version })
  if (row?.created) {
    await recordChange(
      tx,
      row,
      { stock: row.stock, reserved: 0, shipped: 0 },
      { reason: 'initial', correlationId },
    )
  }
}
