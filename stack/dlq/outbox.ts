import { connectMongo } from '@shop/shared/mongo/connect'
import { listParked, retryParked } from '@shop/shared/outbox/postgres-store'
import { connectPostgres } from '@shop/shared/postgres/connect'
import { type Service, serviceEnv } from '../bench/stack.ts'

/** An outbox event its relay gave up publishing (a non-retriable error), kept with that error. */
export interface ParkedOutboxEvent {
  id: string
  topic: string
  key: string
  error: string
  parked_at: string | null
  /** Later events of the same aggregate held back behind it, where the store says. */
  waiting?: number
}

export interface ParkedOutbox {
  /** The service whose store holds them. */
  name: string
  events: ParkedOutboxEvent[]
  error?: string
}

const LIMIT = 100

/** The service's variables as the running stack gave them (ports moved for a second stack). */
const envOf = (service: Service) => serviceEnv(service)

/** A PostgreSQL service's outbox, through the shared store's listParked. */
async function postgresParked(service: string, url: string, topic?: string): Promise<ParkedOutbox> {
  const sql = connectPostgres(url, { max: 1 })
  try {
    const rows = await listParked(sql, { topic, limit: LIMIT })
    return {
      name: service,
      events: rows.map((row) => ({
        id: row.id,
        topic: row.topic,
        key: row.key,
        error: row.error ?? '',
        parked_at: row.parked_at.toISOString(),
        waiting: row.waiting,
      })),
    }
  } finally {
    await sql.end()
  }
}

interface ParkedOrderEvent {
  _id: string
  order_id: string
  message: { id: string; topic: string; key: string } | null
  parked: { error: string; at: Date }
}

/** The order service's event log (its outbox): events the relay parked carry `parked: {error, at}`. */
async function orderParked(url: string, topic?: string): Promise<ParkedOutbox> {
  const { client, db } = await connectMongo(url, { telemetry: null, serverSelectionTimeoutMS: 3_000 })
  try {
    const docs = await db
      .collection<ParkedOrderEvent>('order_events')
      .find({ parked: { $exists: true }, ...(topic ? { 'message.topic': topic } : {}) })
      .sort({ _id: 1 })
      .limit(LIMIT)
      .toArray()
    return {
      name: 'order',
      events: docs.map((doc) => ({
        id: doc.message?.id ?? doc._id,
        topic: doc.message?.topic ?? '?',
        key: doc.message?.key ?? doc.order_id,
        error: doc.parked.error,
        parked_at: doc.parked.at instanceof Date ? doc.parked.at.toISOString() : String(doc.parked.at),
      })),
    }
  } finally {
    await client.close()
  }
}

/**
 * Parked outbox events of every store that parks them: user and inventory (PostgreSQL outbox) and order (its
 * event log). A store that cannot be read says why instead of failing the listing.
 */
export async function listParkedOutbox(topic?: string): Promise<ParkedOutbox[]> {
  const readers: [string, () => Promise<ParkedOutbox>][] = [
    ['user', async () => postgresParked('user', (await envOf('user')).DATABASE_URL as string, topic)],
    [
      'inventory',
      async () => postgresParked('inventory', (await envOf('inventory')).DATABASE_URL as string, topic),
    ],
    ['order', async () => orderParked((await envOf('order')).MONGO_URL as string, topic)],
  ]
  return Promise.all(
    readers.map(async ([name, read]) => {
      try {
        return await read()
      } catch (error) {
        return { name, events: [], error: (error as Error).message }
      }
    }),
  )
}

/** Unparks PostgreSQL outbox rows (all, or these ids) of a service: its relay tries them again. */
export async function unparkOutbox(service: 'user' | 'inventory', ids?: string[]) {
  const sql = connectPostgres((await envOf(service)).DATABASE_URL as string, { max: 1 })
  try {
    return await retryParked(sql, { ids })
  } finally {
    await sql.end()
  }
}
