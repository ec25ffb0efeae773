import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CE_HEADERS } from '../events/envelope.ts'
import { createMemoryLogger } from '../log.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { createTestDatabase } from '../testing/postgres.ts'
import { waitFor } from '../testing/wait-for.ts'
import { outboxMessage } from './message.ts'
import { createPostgresOutbox, insertOutbox } from './postgres-store.ts'
import { startOutboxRelay } from './relay.ts'

const OUTBOX_TABLE = `
  CREATE TABLE outbox (seq bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, topic text NOT NULL,
    key text NOT NULL, payload jsonb NOT NULL, correlation_id text, created_at timestamptz NOT NULL,
    sent_at timestamptz)`

const userCreated = (email: string) => ({
  user_id: crypto.randomUUID(),
  email,
  first_name: 'Ada',
  last_name: 'Lovelace',
  created_at: new Date().toISOString(),
})

describe('PostgreSQL outbox and relay', () => {
  const { log } = createMemoryLogger('user')
  const kafka = createTestKafka('user', log)
  let db: Awaited<ReturnType<typeof createTestDatabase>>

  beforeAll(async () => {
    db = await createTestDatabase('outbox')
    await db.sql.unsafe(OUTBOX_TABLE)
    await kafka.start()
  })
  afterAll(async () => {
    await kafka.disconnect()
    await db.drop()
  })

  it('publishes what a committed transaction wrote and nothing from a rolled-back one', async () => {
    const tap = await kafka.tap('user.created')
    const committed = outboxMessage('user.created', userCreated('kept@example.com'), {
      key: 'u1',
      correlationId: 'req-1',
    })
    await db.sql.begin((tx) => insertOutbox(tx, committed))
    await db.sql
      .begin(async (tx) => {
        await insertOutbox(tx, outboxMessage('user.created', userCreated('lost@example.com'), { key: 'u2' }))
        throw new Error('the change failed')
      })
      .catch(() => undefined)

    const relay = startOutboxRelay({ store: createPostgresOutbox(db.sql), publish: kafka.publish, log })
    const [message] = await waitFor(() => tap.messages.length > 0 && tap.messages, { message: 'the event' })
    await relay.stop()

    expect(tap.messages).toHaveLength(1)
    expect(JSON.parse(message?.value ?? '')).toMatchObject({ email: 'kept@example.com' })
    expect(message?.headers[CE_HEADERS.id]).toBe(committed.id)
    expect(message?.headers[CE_HEADERS.correlationId]).toBe('req-1')
    const [row] = await db.sql`SELECT count(*)::int AS unsent FROM outbox WHERE sent_at IS NULL`
    expect(row?.unsent).toBe(0)
    await tap.stop()
  })

  it('sends each message once when two relays run at once', async () => {
    const tap = await kafka.tap('user.created')
    const before = await waitFor(() => tap.messages.length === 1 && tap.messages.length)
    const messages = Array.from({ length: 20 }, (_, i) =>
      outboxMessage('user.created', userCreated(`many${i}@example.com`), { key: `k${i}` }),
    )
    await db.sql.begin(async (tx) => {
      for (const message of messages) await insertOutbox(tx, message)
    })
    const store = createPostgresOutbox(db.sql)
    const relays = [1, 2].map(() => startOutboxRelay({ store, publish: kafka.publish, log, batchSize: 3 }))
    await waitFor(() => tap.messages.length >= before + 20, { message: 'all 20 events' })
    await Promise.all(relays.map((relay) => relay.stop()))
    const ids = tap.messages.slice(before).map((m) => m.headers[CE_HEADERS.id])
    expect(new Set(ids).size).toBe(20)
    expect(ids).toHaveLength(20)
    await tap.stop()
  })
})
