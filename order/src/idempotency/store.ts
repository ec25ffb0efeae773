import { isDuplicateKey } from '@shop/shared/mongo/errors'
import type { Collection, ObjectId } from 'mongodb'

/**
 * One document per (user, Idempotency-Key), its `_id` being `${user_id}:${key}`, so the `_id` index makes
 * the pair unique without a partial index (FerretDB has none). It names the order id before that order is
 * inserted: every request carrying the key inserts under that same id, so at most one order can exist.
 * Records older than the retention (IDEMPOTENCY_KEY_RETENTION_DAYS) are pruned; a retry after that is a new
 * request.
 */
export interface IdempotencyKey {
  _id: string
  user_id: string
  key: string
  request_hash: string
  order_id: ObjectId
  created_at: Date
}

const keyId = (userId: string, key: string) => `${userId}:${key}`

export function createIdempotencyStore(keys: Collection<IdempotencyKey>) {
  const find = async (userId: string, key: string) =>
    (await keys.findOne({ _id: keyId(userId, key) })) ?? undefined

  return {
    find,

    /** Records the key with our order id, or returns the record of whoever recorded it first. */
    async claim(record: Omit<IdempotencyKey, '_id'>): Promise<IdempotencyKey> {
      const doc = { _id: keyId(record.user_id, record.key), ...record }
      try {
        await keys.insertOne(doc)
        return doc
      } catch (error) {
        if (!isDuplicateKey(error)) throw error
        const winner = await find(record.user_id, record.key)
        if (!winner) throw new Error('idempotency key vanished after a duplicate insert')
        return winner
      }
    },

    /** Forgets keys recorded before `cutoff`; returns how many. */
    async prune(cutoff: Date) {
      const { deletedCount } = await keys.deleteMany({ created_at: { $lt: cutoff } })
      return deletedCount
    },
  }
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>
