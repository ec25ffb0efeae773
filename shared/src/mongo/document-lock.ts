import type { Db } from 'mongodb'
import { ServiceUnavailableError } from '../http/errors.ts'
import { isDuplicateKey } from './errors.ts'

/**
 * FerretDB 1.x applies an update as "read the document, change it in Go, write it back by _id", with nothing
 * guarding the write: two concurrent updates of one document lose one of them, and a filter guard such as
 * `{version: 3}` is checked against the stale read, so it holds only when nobody else writes at that moment.
 * Measured: 50 concurrent `$inc`s left 17 to 32; 20 racing `{n: 0}`-guarded `$set`s all "matched".
 * The one write it does make atomic is an insert against a unique index, so a lock is a document whose `_id`
 * names what it guards: whoever inserts it holds it, deleting it releases it. Every writer of a document
 * (a service's routes and its outbox relay, in any process) holds its lock around its read-modify-write,
 * never around I/O to Kafka. Real MongoDB needs none of this, and it costs it nothing but two small writes.
 */
interface LockDoc {
  _id: string
  token: string
  expires_at: number
}

/** Named after its first user, the product service; kept so that locks already held stay visible. */
export const LOCKS_COLLECTION = 'product_locks'
/** Holds last milliseconds; a lock this old belongs to a holder that died mid-write and is taken over. */
const LOCK_TTL_MS = 10_000
const WAIT_LIMIT_MS = 15_000
const RETRY_MIN_MS = 2
const RETRY_MAX_MS = 40

export type DocumentLock = ReturnType<typeof createDocumentLock>

export function createDocumentLock(db: Db) {
  const locks = db.collection<LockDoc>(LOCKS_COLLECTION)
  // Waiters in this process queue here, so only the head of each queue polls the database.
  const queues = new Map<string, Promise<unknown>>()

  async function acquire(key: string): Promise<string> {
    const token = crypto.randomUUID()
    const deadline = Date.now() + WAIT_LIMIT_MS
    for (let attempt = 0; ; attempt++) {
      try {
        await locks.insertOne({ _id: key, token, expires_at: Date.now() + LOCK_TTL_MS })
        return token
      } catch (error) {
        if (!isDuplicateKey(error)) throw error
      }
      await locks.deleteOne({ _id: key, expires_at: { $lt: Date.now() } })
      if (Date.now() > deadline) {
        throw new ServiceUnavailableError('The resource is busy with another change; try again shortly')
      }
      const ceiling = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt)
      await Bun.sleep(RETRY_MIN_MS + Math.random() * ceiling)
    }
  }

  return {
    /** Runs `critical` while holding the lock named `key`, in this process or any other on the same database. */
    async run<T>(key: string, critical: () => Promise<T>): Promise<T> {
      const turn = (queues.get(key) ?? Promise.resolve()).then(async () => {
        const token = await acquire(key)
        try {
          return await critical()
        } finally {
          await locks.deleteOne({ _id: key, token })
        }
      })
      const tail = turn.catch(() => undefined)
      queues.set(key, tail)
      try {
        return await turn
      } finally {
        if (queues.get(key) === tail) queues.delete(key)
      }
    },
  }
}

/** Creates the lock collection ahead of the first lock, so concurrent first inserts do not race to create it. */
export const ensureLockCollection = (db: Db) =>
  db.collection<LockDoc>(LOCKS_COLLECTION).createIndex({ expires_at: 1 }, { name: 'expires_at' })
