import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import { outboxOnInsert } from '@shop/shared/outbox/mongo-store'
import { waitFor } from '@shop/shared/testing/wait-for'
import { ObjectId } from 'mongodb'
import { startWorkers } from '../src/worker.ts'
import { createHarness, type Harness, PRODUCTS, type ProductProcess } from './harness.ts'

setDefaultTimeout(60_000)

type Replica = ProductProcess & { stop(): Promise<void> }

const status = async (process: ProductProcess, path: string) => (await process.send('GET', path)).status
const body = async (process: ProductProcess, path: string) =>
  (await (await process.send('GET', path)).json()) as Record<string, unknown>
const listIds = async (process: ProductProcess, query: string) =>
  ((await (await process.send('GET', `${PRODUCTS}${query}`)).json()) as { _id: string }[]).map((p) => p._id)

describe('two product processes with catalogues of their own on one database and one set of topics', () => {
  let t: Harness
  let other: Replica
  let workers: ReturnType<typeof startWorkers>

  beforeAll(async () => {
    t = await createHarness({ wakeRelay: () => workers?.wakeRelay() })
    workers = startWorkers({ db: t.db, publish: t.kafka.publish, log: t.log })
    other = await t.replica()
  })
  afterAll(async () => {
    await workers?.stop()
    await t?.close()
  })

  it('shows a create, an update and a delete made on one process on the other', async () => {
    const { _id: id } = await t.create({ name: 'Shared lamp', category: 'replicated', price: 30 })
    const path = `${PRODUCTS}/${id}`
    await waitFor(async () => (await status(other, path)) === 200, { message: 'the create on the other' })
    expect(await body(other, path)).toEqual(await body(t, path))

    expect((await t.asAdmin('PATCH', path, { name: 'Shared lamp II', price: 27.5 })).status).toBe(200)
    await waitFor(async () => (await body(other, path)).name === 'Shared lamp II', { message: 'the update' })
    expect(await body(other, path)).toEqual(await body(t, path))

    expect((await t.asAdmin('DELETE', path)).status).toBe(204)
    await waitFor(async () => (await status(other, path)) === 404, { message: 'the delete on the other' })
  })

  it('answers its own write at once, and the other process sees a write made there', async () => {
    const { _id: id } = await other.create({ name: 'Made on the other', category: 'replicated' })
    expect(await status(other, `${PRODUCTS}/${id}`)).toBe(200)
    await waitFor(async () => (await status(t, `${PRODUCTS}/${id}`)) === 200, { message: 'the other way' })
  })

  it('finds by id a product another process wrote before its event has arrived', async () => {
    const id = new ObjectId()
    const at = new Date()
    // As another replica's insert looks in the moment before its relay has published it.
    await t.products.insertOne({
      _id: id,
      name: 'Just written',
      description: null,
      category: 'in-flight',
      price_cents: 500,
      quantity: 1,
      created_at: at,
      updated_at: at,
      version: 1,
      deleted_at: null,
      ...outboxOnInsert(),
    })
    const got = await other.send('GET', `${PRODUCTS}/${id.toHexString()}`)
    expect(got.status).toBe(200)
    expect(await got.json()).toMatchObject({ _id: id.toHexString(), name: 'Just written', price: 5 })
    expect(await listIds(other, '?category=in-flight')).toEqual([id.toHexString()])
  })

  it('takes a deleted product out of every list on both processes', async () => {
    const { _id: id } = await t.create({ name: 'Vanishing vase', category: 'vanishing', price: 42.42 })
    const queries = ['?limit=100', '?category=vanishing', '?min_price=42.42&max_price=42.42', '?q=vanishing']
    for (const process of [t, other]) {
      await waitFor(async () => (await listIds(process, '?category=vanishing')).includes(id))
    }
    expect((await t.asAdmin('DELETE', `${PRODUCTS}/${id}`)).status).toBe(204)
    await waitFor(async () => (await status(other, `${PRODUCTS}/${id}`)) === 404)
    for (const process of [t, other]) {
      for (const query of queries) {
        expect({ query, listed: (await listIds(process, query)).includes(id) }).toEqual({
          query,
          listed: false,
        })
      }
      const res = await process.send('GET', `${PRODUCTS}?category=vanishing`)
      expect(res.headers.get('X-Total-Count')).toBe('0')
    }
  })

  it('never lets a replayed or stale event bring back an older version or a deleted product', async () => {
    const { _id: live } = await t.create({ name: 'Current name', category: 'stale' })
    expect((await t.asAdmin('PATCH', `${PRODUCTS}/${live}`, { name: 'Newest name' })).status).toBe(200)
    const { _id: gone } = await t.create({ name: 'Gone for good', category: 'stale' })
    expect((await t.asAdmin('DELETE', `${PRODUCTS}/${gone}`)).status).toBe(204)
    await waitFor(async () => (await body(other, `${PRODUCTS}/${live}`)).name === 'Newest name')
    await waitFor(async () => (await status(other, `${PRODUCTS}/${gone}`)) === 404)
    await waitFor(async () => (await t.rawDoc(gone))?.outbox_pending === 0)

    const before = other.handled()
    const stale = { category: 'stale', price: 1, quantity: 1 }
    await t.kafka.publish(
      'product.created',
      { product_id: live, version: 1, name: 'Old', ...stale },
      { key: live },
    )
    await t.kafka.publish(
      'product.updated',
      { product_id: gone, version: 2, name: 'Back', ...stale },
      { key: gone },
    )
    await t.kafka.publish(
      'product.created',
      { product_id: gone, version: 1, name: 'Back', ...stale },
      { key: gone },
    )
    await t.kafka.publish('product.deleted', { product_id: gone, version: 3 }, { key: gone })
    await waitFor(() => other.handled() >= before + 4, { message: 'the stale events to be consumed' })

    for (const process of [t, other]) {
      expect(await body(process, `${PRODUCTS}/${live}`)).toMatchObject({ name: 'Newest name' })
      expect(await status(process, `${PRODUCTS}/${gone}`)).toBe(404)
      expect(await listIds(process, '?category=stale')).toEqual([live])
    }
  })

  it('rebuilds a restarted process from MongoDB before it is ready, changes made while it was down included', async () => {
    const { _id: kept } = await t.create({ name: 'Before restart', category: 'restart' })
    await waitFor(async () => (await status(other, `${PRODUCTS}/${kept}`)) === 200)
    await other.stop()
    // A process whose catalogue is no longer kept current says so.
    const stale = await other.send('GET', '/ready')
    expect(stale.status).toBe(503)
    expect(((await stale.json()) as { down: string[] }).down).toContain('catalogue')

    expect((await t.asAdmin('PATCH', `${PRODUCTS}/${kept}`, { price: 99.99 })).status).toBe(200)
    const { _id: added } = await t.create({ name: 'While down', category: 'restart' })
    const { _id: removed } = await t.create({ name: 'Removed while down', category: 'restart' })
    expect((await t.asAdmin('DELETE', `${PRODUCTS}/${removed}`)).status).toBe(204)

    other = await t.replica()
    expect((await other.send('GET', '/ready')).status).toBe(200)
    expect(await body(other, `${PRODUCTS}/${kept}`)).toMatchObject({ price: 99.99 })
    expect(await listIds(other, '?category=restart')).toEqual([kept, added])
    expect(await status(other, `${PRODUCTS}/${removed}`)).toBe(404)
  })

  it('gives the same list ETag on both processes once they hold the same catalogue', async () => {
    const { _id: id } = await t.create({ name: 'Tagged', category: 'tagged' })
    await waitFor(async () => (await status(other, `${PRODUCTS}/${id}`)) === 200)
    const tags = await Promise.all(
      [t, other].map(async (process) =>
        (await process.send('GET', `${PRODUCTS}?category=tagged`)).headers.get('ETag'),
      ),
    )
    expect(tags[0]).toMatch(/^W\/"/)
    expect(tags[1]).toBe(tags[0] as string)
  })

  it('measures how long the other process takes to see a write', async () => {
    const lags: number[] = []
    for (let i = 0; i < 20; i++) {
      const started = performance.now()
      const { _id: id } = await t.create({ name: `Timed ${i}`, category: 'timed' })
      await waitFor(() => other.catalogue.get(id) !== undefined, { intervalMs: 1 })
      lags.push(performance.now() - started)
    }
    lags.sort((a, b) => a - b)
    const ms = (value: number | undefined) => Math.round(value ?? 0)
    process.stdout.write(
      `replica lag over ${lags.length} creates: median ${ms(lags[10])} ms, range ${ms(lags[0])}–${ms(lags.at(-1))} ms\n`,
    )
    expect(lags).toHaveLength(20)
  })
})
