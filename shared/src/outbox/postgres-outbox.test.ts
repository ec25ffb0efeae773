import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CE_HEADERS } from '../events/envelope.ts'
import { InvalidEventError } from '../kafka/errors.ts'
import { createMemoryLogger } from '../log.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { createTestDatabase } from '../testing/postgres.ts'
import { testServers } from '../testing/servers.ts'
import { waitFor } from '../testing/wait-for.ts'
import { outboxMessage } from './message.ts'
import {
  applyOutboxSchema,
  createPostgresOutbox,
  insertOutbox,
  listParked,
  pruneSentOutbox,
  retryParked,
} from './postgres-store.ts'
import { isRetriablePublishError, PARK_AFTER_ATTEMPTS, startOutboxRelay } from './relay.ts'

const userCreated = (email: string, first_name = 'Ada') => ({
  user_id: crypto.randomUUID(),
  email,
  first_name,
  last_name: 'Lovelace',
  created_at: new Date().toISOString(),
})

/** A 24-hex aggregate id. */
const productId = () => crypto.randomUUID().replaceAll('-', '').slice(0, 24)
const stockUpdated = (product_id: string, version: number) =>
  outboxMessage(
    'stock.updated',
    { product_id, version, stock: version, reserved: 0, change: 1, reason: 'adjusted' },
    { key: product_id },
  )

/** A relay in a process of its own, on the given database and topic prefix; SIGTERM stops it cleanly. */
const RELAY_PROCESS = `
import { createKafka } from '${import.meta.dir}/../kafka/client.ts'
import { createLogger } from '${import.meta.dir}/../log.ts'
import { connectPostgres } from '${import.meta.dir}/../postgres/connect.ts'
import { createPostgresOutbox } from '${import.meta.dir}/postgres-store.ts'
import { startOutboxRelay } from '${import.meta.dir}/relay.ts'
const env = process.env
const log = createLogger({ service: 'relay', level: 'warn' })
const sql = connectPostgres(env.DB_URL)
const kafka = createKafka({ brokers: env.BROKERS.split(','), service: 'user', log, topicPrefix: env.PREFIX })
await kafka.start()
const relay = startOutboxRelay({ store: createPostgresOutbox(sql, { log }), publish: kafka.publish, log, batchSize: 7 })
process.on('SIGTERM', async () => {
  await relay.stop()
  await kafka.disconnect()
  await sql.end({ timeout: 5 })
  process.exit(0)
})
console.log('relay ready')
`

describe('PostgreSQL outbox and relay', () => {
  const { log, entries } = createMemoryLogger('user')
  const kafka = createTestKafka('user', log)
  let db: Awaited<ReturnType<typeof createTestDatabase>>

  beforeAll(async () => {
    db = await createTestDatabase('outbox')
    await applyOutboxSchema(db.sql)
    await kafka.start()
    // Fresh topics answer "unknown topic or partition" for a moment on a busy broker: wait until they serve.
    for (const topic of ['user.created', 'stock.updated']) {
      const tap = await waitFor(() => kafka.tap(topic), { timeoutMs: 20_000, message: `topic ${topic}` })
      await tap.stop()
    }
  }, 40_000)
  afterAll(async () => {
    await kafka.disconnect()
    await db.drop()
  })

  const unsent = async () => {
    const [row] = await db.sql`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`
    return row?.n as number
  }

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
    expect(await unsent()).toBe(0)
    await tap.stop()
  })

  it('applies its DDL again harmlessly (services run it at every start)', async () => {
    const kept = outboxMessage('user.created', userCreated('stays@example.com'), { key: 'stays' })
    await db.sql.begin((tx) => insertOutbox(tx, kept))
    await Promise.all([applyOutboxSchema(db.sql), applyOutboxSchema(db.sql)])
    const [row] = await db.sql`SELECT count(*)::int AS n FROM outbox WHERE id = ${kept.id}`
    expect(row?.n).toBe(1)
    await db.sql`DELETE FROM outbox WHERE id = ${kept.id}`
  })

  it('sends each message once and in order per key with two relays in two processes', async () => {
    const tap = await kafka.tap('stock.updated')
    const keys = Array.from({ length: 20 }, productId)
    const children = [1, 2].map(() =>
      Bun.spawn([process.execPath, '-e', RELAY_PROCESS], {
        env: {
          ...process.env,
          DB_URL: db.url,
          BROKERS: testServers.kafkaBrokers.join(','),
          PREFIX: kafka.physical(''),
        },
        stdout: 'pipe',
        stderr: 'inherit',
      }),
    )
    // Written while both relays run: 10 versions of each of 20 aggregates, in many small transactions.
    for (let version = 1; version <= 10; version++) {
      await Promise.all(keys.map((key) => db.sql.begin((tx) => insertOutbox(tx, stockUpdated(key, version)))))
    }
    await waitFor(() => tap.messages.length >= 200, { timeoutMs: 30_000, message: '200 events' })
    for (const child of children) child.kill('SIGTERM')
    expect(await Promise.all(children.map((child) => child.exited))).toEqual([0, 0])

    const ids = tap.messages.map((m) => m.headers[CE_HEADERS.id])
    expect(ids).toHaveLength(200)
    expect(new Set(ids).size).toBe(200)
    for (const key of keys) {
      const versions = tap.messages.filter((m) => m.key === key).map((m) => JSON.parse(m.value ?? '').version)
      expect({ key, versions }).toEqual({ key, versions: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })
    }
    expect(await unsent()).toBe(0)
    await tap.stop()
  }, 60_000)

  it('parks an event that fails its schema at publish, holds back its key and lets the others go on', async () => {
    const tap = await kafka.tap('stock.updated')
    const before = await waitFor(() => tap.messages.length >= 200 && tap.messages.length)
    const [stuck, free] = [productId(), productId()]
    const bad = { ...stockUpdated(stuck, 1), payload: { product_id: stuck } } as ReturnType<
      typeof stockUpdated
    >
    const behind = stockUpdated(stuck, 2)
    await db.sql.begin(async (tx) => {
      await insertOutbox(tx, bad)
      await insertOutbox(tx, behind)
      await insertOutbox(tx, stockUpdated(free, 1))
    })
    const relay = startOutboxRelay({
      store: createPostgresOutbox(db.sql, { log }),
      publish: kafka.publish,
      log,
    })
    const [parked] = await waitFor(async () => {
      const rows = await listParked(db.sql)
      return rows.length === 1 && rows
    })
    await waitFor(() => tap.messages.some((m) => m.key === free), { message: 'the other aggregate' })
    expect(parked).toMatchObject({ id: bad.id, topic: 'stock.updated', key: stuck, waiting: 1 })
    expect(parked?.attempts).toBe(PARK_AFTER_ATTEMPTS)
    expect(parked?.error).toContain('InvalidEventError')
    expect(entries.some((e) => e.level === 'error' && e.event_id === bad.id)).toBe(true)
    expect(tap.messages.slice(before).filter((m) => m.key === stuck)).toHaveLength(0)

    // Fixed by hand and retried: the parked event goes out first, then the one that waited behind it.
    await db.sql`UPDATE outbox SET payload = ${db.sql.json(stockUpdated(stuck, 1).payload as never)} WHERE id = ${bad.id}`
    expect(await retryParked(db.sql, { ids: [bad.id] })).toBe(1)
    relay.wake()
    const versions = await waitFor(() => {
      const mine = tap.messages.filter((m) => m.key === stuck)
      return mine.length === 2 && mine.map((m) => JSON.parse(m.value ?? '').version)
    })
    expect(versions).toEqual([1, 2])
    await relay.stop()
    await tap.stop()
  })

  it('parks an event over the broker size limit and keeps publishing the rest', async () => {
    const tap = await kafka.tap('user.created')
    const huge = outboxMessage('user.created', userCreated('huge@example.com', 'x'.repeat(1_200_000)), {
      key: 'huge',
    })
    const next = outboxMessage('user.created', userCreated('next@example.com'), { key: 'next' })
    await db.sql.begin(async (tx) => {
      await insertOutbox(tx, huge)
      await insertOutbox(tx, next)
    })
    const relay = startOutboxRelay({
      store: createPostgresOutbox(db.sql, { log }),
      publish: kafka.publish,
      log,
    })
    await waitFor(() => tap.messages.some((m) => m.key === 'next'), { message: 'the next event' })
    const [parked] = await waitFor(async () => {
      const rows = await listParked(db.sql, { topic: 'user.created' })
      return rows.length === 1 && rows
    })
    expect(parked?.error).toContain('MESSAGE_TOO_LARGE')
    await relay.stop()
    await tap.stop()
  })

  it('retries forever, without parking, while the broker is unreachable', async () => {
    const tap = await kafka.tap('user.created')
    const message = outboxMessage('user.created', userCreated('later@example.com'), { key: 'later' })
    await db.sql.begin((tx) => insertOutbox(tx, message))
    let failures = 0
    const down: typeof kafka.publish = async (...args) => {
      if (failures < 6) {
        failures++
        throw Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), {
          name: 'KafkaJSConnectionError',
        })
      }
      return kafka.publish(...args)
    }
    const relay = startOutboxRelay({ store: createPostgresOutbox(db.sql, { log }), publish: down, log })
    await waitFor(() => tap.messages.some((m) => m.key === 'later'), { timeoutMs: 30_000 })
    await relay.stop()
    const [row] = await db.sql`SELECT attempts, parked_at FROM outbox WHERE id = ${message.id}`
    expect(row).toEqual({ attempts: 0, parked_at: null })
    expect(failures).toBe(6)
    await tap.stop()
  }, 40_000)

  it('tells retriable publish errors from permanent ones, through wrapping', () => {
    const tooLarge = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' })
    expect(isRetriablePublishError(new InvalidEventError('bad'))).toBe(false)
    expect(isRetriablePublishError(tooLarge)).toBe(false)
    expect(isRetriablePublishError(new Error('wrapped', { cause: tooLarge }))).toBe(false)
    expect(isRetriablePublishError(Object.assign(new Error('x'), { originalError: tooLarge }))).toBe(false)
    expect(isRetriablePublishError(new Error('ECONNREFUSED'))).toBe(true)
    expect(isRetriablePublishError(Object.assign(new Error('x'), { type: 'NOT_LEADER_FOR_PARTITION' }))).toBe(
      true,
    )
  })

  it('prunes sent rows past their retention and keeps recent, unsent and parked ones', async () => {
    const old = outboxMessage('user.created', userCreated('old@example.com'), { key: 'old' })
    const pending = outboxMessage('user.created', userCreated('pending@example.com'), { key: 'pending' })
    await db.sql.begin(async (tx) => {
      await insertOutbox(tx, old)
      await insertOutbox(tx, pending)
    })
    await db.sql`UPDATE outbox SET sent_at = now() - interval '2 days' WHERE id = ${old.id}`
    const [{ n: before }] = (await db.sql`SELECT count(*)::int AS n FROM outbox`) as unknown as [
      { n: number },
    ]
    expect(await pruneSentOutbox(db.sql, new Date(Date.now() - 24 * 3600_000))).toBe(1)
    const left = await db.sql<{ id: string }[]>`SELECT id FROM outbox`
    expect(left).toHaveLength(before - 1)
    expect(left.map((r) => r.id)).toContain(pending.id)
    expect(left.map((r) => r.id)).not.toContain(old.id)
    expect((await listParked(db.sql, { topic: 'user.created' })).length).toBe(1)
  })
})
