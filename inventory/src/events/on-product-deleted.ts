import type { Payload } from '@shop/shared/events/topics'
import type { TransactionSql } from '@shop/shared/postgres/connect'
import { changeFigures } from '../stock/changes.ts'
import { insertTombstone, markDeleted } from '../stock/store.ts'
import type { Causation } from './causation.ts'

/**
 * product.deleted: the entry is taken off sale. What was orderable is written off (so conservation holds);
 * units held by orders stay reserved until those orders are cancelled or shipped. A deletion that overtook the
 * creation leaves a tombstone so the late product.created does not put the product on sale.
 */
export async function onProductDeleted(
  tx: TransactionSql,
  { product_id, version }: Payload<'product.deleted'>,
  { correlationId }: Causation,
) {
  if (await insertTombstone(tx, product_id, version)) return
  const stock = await markDeleted(tx, product_id, version)
  if (stock === undefined) return
  await changeFigures(
    tx,
    product_id,
    { stock: -stock, adjustments: -stock },
    { reason: 'removed', correlationId },
  )
}
