import type { Payload } from '@shop/shared/events/topics'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import { recordChange } from '../stock/changes.ts'
import { insertEntry } from '../stock/store.ts'
import type { Causation } from './causation.ts'

/**
 * product.created: the product's stock entry with its initial quantity (version 1, the ledger's `initial`
 * row). An entry that already exists (a product.updated that overtook this event created it, or a deletion
 * left its tombstone) stays as it is.
 */
export async function onProductCreated(
  tx: TransactionSql,
  { product_id, name, quantity, version }: Payload<'product.created'>,
  { correlationId }: Causation,
) {
  const row = await insertEntry(tx, { product_id, name, quantity, version })
  if (row)
    await recordChange(
      tx,
      row,
      { stock: row.stock, reserved: 0, shipped: 0 },
      { reason: 'initial', correlationId },
    )
}
