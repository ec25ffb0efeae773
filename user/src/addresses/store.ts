import { BusinessRuleError } from '@shop/shared/http/errors'
import { outboxMessage } from '@shop/shared/outbox/message'
import { insertOutbox } from '@shop/shared/outbox/postgres-store'
import type { Sql, TransactionSql } from '@shop/shared/postgres/connect'
import type { z } from 'zod'
import type { AddressRow } from './body.ts'
import type { NewAddress } from './schemas.ts'

/** A bound on what one account can store; far above what a shopper needs. */
export const MAX_ADDRESSES_PER_USER = 20

const COLUMNS = [
  'id',
  'user_id',
  'line1',
  'line2',
  'city',
  'state',
  'postal_code',
  'country',
  'is_default',
  'created_at',
]

export type AddressStore = ReturnType<typeof createAddressStore>

export function createAddressStore(sql: Sql) {
  const columns = sql(COLUMNS)
  // Address writes of one user take the user's row lock, so "exactly one default" holds under concurrency.
  const lockOwner = (tx: TransactionSql, userId: string) =>
    tx`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`

  return {
    list: (userId: string) =>
      sql<AddressRow[]>`
        SELECT ${columns} FROM addresses WHERE user_id = ${userId}
        ORDER BY is_default DESC, created_at, id`,

    async get(userId: string, id: string) {
      const [row]: [AddressRow?] = await sql`
        SELECT ${columns} FROM addresses WHERE id = ${id} AND user_id = ${userId}`
      return row
    },

    /**
     * The first address is the default whatever it says; a later one becomes the default when it asks to.
     * user.address_added (with the address, for order snapshots) commits with it.
     */
    add: (
      userId: string,
      address: z.output<typeof NewAddress>,
      correlationId: string | null,
    ): Promise<AddressRow> =>
      sql.begin(async (tx) => {
        await lockOwner(tx, userId)
        const [existing] = await tx<{ count: number; has_default: boolean | null }[]>`
          SELECT count(*)::int AS count, bool_or(is_default) AS has_default
          FROM addresses WHERE user_id = ${userId}`
        if ((existing?.count ?? 0) >= MAX_ADDRESSES_PER_USER) {
          throw new BusinessRuleError(`An account can keep at most ${MAX_ADDRESSES_PER_USER} addresses`)
        }
        const isDefault = address.is_default === true || !existing?.has_default
        if (isDefault) {
          await tx`UPDATE addresses SET is_default = false WHERE user_id = ${userId} AND is_default`
        }
        const [row] = await tx<AddressRow[]>`
          INSERT INTO addresses (user_id, line1, line2, city, state, postal_code, country, is_default)
          VALUES (${userId}, ${address.line1}, ${address.line2 ?? null}, ${address.city},
                  ${address.state ?? null}, ${address.postal_code}, ${address.country}, ${isDefault})
          RETURNING ${columns}`
        if (!row) throw new Error('INSERT … RETURNING gave no row')
        const { line1, line2, city, state, postal_code, country } = row
        const event = {
          user_id: userId,
          address_id: row.id,
          address: { line1, line2, city, state, postal_code, country },
        }
        await insertOutbox(tx, outboxMessage('user.address_added', event, { key: userId, correlationId }))
        return row
      }),

    /**
     * Removes one of the user's addresses, with user.address_removed; when it was the default, the oldest
     * remaining one takes over.
     */
    remove: (userId: string, id: string, correlationId: string | null): Promise<boolean> =>
      sql.begin(async (tx) => {
        await lockOwner(tx, userId)
        const [removed] = await tx<{ is_default: boolean }[]>`
          DELETE FROM addresses WHERE id = ${id} AND user_id = ${userId} RETURNING is_default`
        if (!removed) return false
        if (removed.is_default) {
          await tx`
            UPDATE addresses SET is_default = true
            WHERE id = (SELECT id FROM addresses WHERE user_id = ${userId} ORDER BY created_at, id LIMIT 1)`
        }
        const event = { user_id: userId, address_id: id }
        await insertOutbox(tx, outboxMessage('user.address_removed', event, { key: userId, correlationId }))
        return true
      }),
  }
}
