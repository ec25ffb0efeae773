import { InvalidEventError, PoisonMessageError } from '@shop/shared/kafka/errors'
import { BSON, MongoInvalidArgumentError, MongoServerError } from 'mongodb'

/**
 * MongoDB answers a retry cannot change: the document or the command itself is wrong (bad value, type
 * mismatch, validation, a document over 16 MiB). Anything else (connection refused, a timeout, no server
 * selected, FerretDB's generic InternalError) may pass, and is retried.
 */
const PERMANENT_MONGO_CODES = new Set([2, 9, 14, 52, 55, 56, 57, 66, 121, 10334, 17280])

const isPermanent = (error: unknown) =>
  error instanceof InvalidEventError ||
  error instanceof BSON.BSONError ||
  error instanceof MongoInvalidArgumentError ||
  (error instanceof MongoServerError && PERMANENT_MONGO_CODES.has(Number(error.code)))

/**
 * Runs a handler, turning a fault that will never go away into PoisonMessageError (the shared consumer parks
 * the message on `<topic>.dlq` and the partition moves on) and anything else into a plain Error, which the
 * shared consumer retries in place with backoff (kafkajs would stop for good on a TypeError and its kin).
 */
export async function classified(describe: string, run: () => Promise<void>) {
  try {
    await run()
  } catch (error) {
    if (error instanceof PoisonMessageError) throw error
    const message = error instanceof Error ? error.message : String(error)
    if (isPermanent(error)) throw new PoisonMessageError(`${describe} cannot be applied: ${message}`)
    throw new Error(`${describe} not applied yet: ${message}`, { cause: error })
  }
}
