import { type Db, MongoClient, type MongoClientOptions } from 'mongodb'
import { monitorMongoCommands } from '../observability/mongo-commands.ts'
import { resolveTelemetry, type Telemetry } from '../observability/telemetry.ts'

/** How long a service waits for MongoDB to answer before giving up on a command or on start-up. */
export const MONGO_TIMEOUT_MS = 10_000

export interface ConnectMongoOptions extends MongoClientOptions {
  /** Command metrics and spans (the driver's command monitoring); by default the process's (runService). */
  telemetry?: Telemetry | null
}

/** Connects to the database named in the URL's path; the client's `close` is the caller's to call. */
export async function connectMongo(url: string, { telemetry: given, ...options }: ConnectMongoOptions = {}) {
  const telemetry = resolveTelemetry(given)
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: MONGO_TIMEOUT_MS,
    ...(telemetry ? { monitorCommands: true } : {}),
    ...options,
  })
  if (telemetry) monitorMongoCommands(client, telemetry)
  await client.connect()
  const db: Db = client.db()
  return { client, db, ping: () => db.command({ ping: 1 }) }
}
