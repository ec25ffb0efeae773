import { MongoServerError } from 'mongodb'

/** MongoDB's (and FerretDB's) answer to an insert that collides with a unique index. */
export const DUPLICATE_KEY = 11000

export const isDuplicateKey = (error: unknown) =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY
