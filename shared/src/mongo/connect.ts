import { type Db, MongoClient, type MongoClientOptions } from 'mongodb'

/** How long a service waits for MongoDB to answer before giving up on a command or on start-up. */
export const MONGO_TIMEOUT_MS = 10_000

/** Connects to the database named in the URL's path; the client's `close` is the caller's to call. */
export async function connectMongo(url: string, options: MongoClientOptions = {}) {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: MONGO_TIMEOUT_MS, ...options })
  await client.connect()
  const db: Db = client.db()
  return { client, db, ping: () => db.command({ ping: 1 }) }
}
