import { MongoBulkWriteError, MongoServerError } from 'mongodb'

/** MongoDB's (and FerretDB's) answer to an insert that collides with a unique index. */
export const DUPLICATE_KEY = 11000

/**
 * Whether a write failed only on a unique index. A bulk write (`insertMany` unordered) counts only when every
 * one of its write errors is such a collision: the driver gives the bulk error its first write error's code.
 */
export function isDuplicateKey(error: unknown): boolean {
  if (error instanceof MongoBulkWriteError) {
    const writeErrors = [error.writeErrors].flat()
    if (writeErrors.length > 0) return writeErrors.every((e) => e.code === DUPLICATE_KEY)
  }
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY
}
