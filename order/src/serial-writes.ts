import type { Collection, Document } from 'mongodb'

/** Runs the given tasks one at a time, in call order; a failure does not block the ones after it. */
export function createMutex() {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task)
    tail = run.catch(() => undefined)
    return run
  }
}

/** The driver calls that read a document and write it back; inserts and deletes are atomic by themselves. */
const READ_MODIFY_WRITE = new Set([
  'updateOne',
  'updateMany',
  'replaceOne',
  'findOneAndUpdate',
  'findOneAndReplace',
  'bulkWrite',
])

/**
 * FerretDB 1.x (PostgreSQL backend) executes an update as a query, then the change in Go, then a write of the
 * whole document by `_id`, with no lock in between: two concurrent updates of one document lose one of them,
 * and a guard in the filter (`status: 'PENDING'`) can pass for both. So this process sends its updates of a
 * collection one at a time, which makes every guarded update atomic as long as one process writes the
 * collection. The outbox relay finds its document by filter, not by id, so the lock is per collection.
 */
export function serializeWrites<T extends Document>(collection: Collection<T>): Collection<T> {
  const exclusive = createMutex()
  return new Proxy(collection, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      if (typeof property === 'string' && READ_MODIFY_WRITE.has(property)) {
        return (...args: unknown[]) => exclusive(() => value.apply(target, args))
      }
      return value.bind(target)
    },
  })
}
