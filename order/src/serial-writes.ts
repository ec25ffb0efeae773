import { type Collection, type Document, type Filter, ObjectId, type UpdateResult } from 'mongodb'

/** Runs tasks with the same key one at a time, in call order; a failure does not block the ones after it. */
export function createKeyedMutex() {
  const tails = new Map<string, Promise<unknown>>()
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task, task)
    const tail = run.catch(() => undefined)
    tails.set(key, tail)
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    return run
  }
}

const idKey = (filter: unknown): string | undefined => {
  const id = (filter as { _id?: unknown } | null | undefined)?._id
  if (typeof id === 'string') return id
  if (id instanceof ObjectId) return id.toHexString()
  return undefined
}

const NOTHING_UPDATED: UpdateResult = {
  acknowledged: true,
  matchedCount: 0,
  modifiedCount: 0,
  upsertedCount: 0,
  upsertedId: null,
}

/** Writes this wrapper does not know how to serialize; using one is a bug caught at once. */
const UNSERIALIZED = new Set(['updateMany', 'replaceOne', 'findOneAndReplace', 'bulkWrite'])

/**
 * FerretDB 1.x (PostgreSQL backend) runs an update as a query, the change in Go, then a write of the whole
 * document by `_id`, with no lock in between: two concurrent updates of one document lose one of them, and a
 * guard in the filter (`status: 'PENDING'`) can pass for both. So this process sends the updates of one
 * document one at a time, which makes each guarded update atomic as long as one process writes the
 * collection. An update whose filter names no `_id` (the outbox relay's lease) first finds its document
 * without holding anything, then updates it by `_id` under that document's turn.
 */
export function serializeWrites<T extends Document>(collection: Collection<T>): Collection<T> {
  const exclusive = createKeyedMutex()

  const byId =
    (name: 'updateOne' | 'findOneAndUpdate') =>
    async (filter: Filter<T>, ...rest: unknown[]) => {
      const call = (f: Filter<T>) =>
        (collection[name] as (...args: unknown[]) => Promise<unknown>).apply(collection, [f, ...rest])
      const key = idKey(filter)
      if (key !== undefined) return exclusive(key, () => call(filter))
      const upsert = (rest[1] as { upsert?: boolean } | undefined)?.upsert === true
      const found = await collection.findOne(filter, { projection: { _id: 1 } })
      if (!found) {
        if (upsert) return call(filter)
        return name === 'updateOne' ? NOTHING_UPDATED : null
      }
      return exclusive(idKey(found) as string, () => call({ ...filter, _id: found._id } as Filter<T>))
    }

  const wrapped = { updateOne: byId('updateOne'), findOneAndUpdate: byId('findOneAndUpdate') }

  return new Proxy(collection, {
    get(target, property, receiver) {
      if (property === 'updateOne' || property === 'findOneAndUpdate') return wrapped[property]
      if (typeof property === 'string' && UNSERIALIZED.has(property)) {
        throw new Error(`${property} is not serialized for FerretDB; see serial-writes.ts`)
      }
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
