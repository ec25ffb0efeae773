import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import { CE_HEADERS } from '@shop/shared/events/envelope'
import type { KafkaClient } from '@shop/shared/kafka/client'
import type { TestKafka } from '@shop/shared/testing/kafka'
import { waitFor } from '@shop/shared/testing/wait-for'
import { startWorkers } from '../src/worker.ts'
import { createHarness, type Harness, PRODUCTS } from './harness.ts'

setDefaultTimeout(30_000)

type Tap = Awaited<ReturnType<TestKafka['tap']>>
type Workers = ReturnType<typeof startWorkers>

/** Publishes through the real broker, counting sends per event id, and refusing them while `down` is set. */
function countingPublish(publish: KafkaClient['publish']) {
  const state = { down: false, refused: 0, sent: new Map<string, number>() }
  const wrapped: KafkaClient['publish'] = async (topic, payload, options) => {
    if (state.down) {
      state.refused++
      throw new Error('KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092')
    }
    const id = await publish(topic, payload, options)
    state.sent.set(id, (state.sent.get(id) ?? 0) + 1)
    return id
  }
  return Object.assign(state, { publish: wrapped })
}

const payload = (message: Tap['messages'][number] | undefined) => JSON.parse(message?.value ?? 'null')

describe('product events through the in-document outbox', () => {
  let t: Harness
  let workers: Workers | undefined
  let created: Tap
  let updated: Tap
  let deleted: Tap

  const forKey = (tap: Tap, key: string) => tap.messages.filter((m) => m.key === key)
  const creationLines = (id: string) =>
    t.entries.filter((e) => e.msg === `Published product creation event to product.created: ${id}`)
  const allPublished = async () => (await t.products.countDocuments({ outbox_pending: { $gt: 0 } })) === 0
  const outboxEntries = async () =>
    (await t.products.find().toArray()).reduce((sum, doc) => sum + doc.outbox.length, 0)

  beforeAll(async () => {
    t = await createHarness({ wakeRelay: () => workers?.wakeRelay() })
    ;[created, updated, deleted] = await Promise.all([
      t.kafka.tap('product.created'),
      t.kafka.tap('product.updated'),
      t.kafka.tap('product.deleted'),
    ])
  })
  afterAll(async () => {
    await workers?.stop()
    await Promise.all([created, updated, deleted].map((tap) => tap?.stop()))
    await t?.close()
  })

  it('publishes created, updated and deleted keyed by the product, in order, correlated to the request', async () => {
    workers = startWorkers({ db: t.db, publish: t.kafka.publish, log: t.log })
    const res = await t.asAdmin(
      'POST',
      PRODUCTS,
      { name: 'Lamp', category: 'home', price: 30, quantity: 9 },
      {
        'X-Request-Id': 'req-create-1',
      },
    )
    const { _id: id } = (await res.json()) as { _id: string }
    await t.asAdmin('PATCH', `${PRODUCTS}/${id}`, { price: 27.45 }, { 'X-Request-Id': 'req-update-1' })
    await t.asAdmin('DELETE', `${PRODUCTS}/${id}`, undefined, { 'X-Request-Id': 'req-delete-1' })

    const [c] = await waitFor(() => forKey(created, id).length > 0 && forKey(created, id))
    const [u] = await waitFor(() => forKey(updated, id).length > 0 && forKey(updated, id))
    const [d] = await waitFor(() => forKey(deleted, id).length > 0 && forKey(deleted, id))
    // The relay marks the document after Kafka acknowledged, so the mark may trail the tap by a moment.
    const doc = await waitFor(async () => {
      const current = await t.rawDoc(id)
      return current?.outbox_pending === 0 && current
    })
    expect(payload(c)).toEqual({
      product_id: id,
      version: 1,
      name: 'Lamp',
      category: 'home',
      price: 30,
      quantity: 9,
    })
    expect(c?.headers).toMatchObject({
      [CE_HEADERS.specversion]: '1.0',
      [CE_HEADERS.type]: 'product.created',
      [CE_HEADERS.source]: '/product-service',
      [CE_HEADERS.correlationId]: 'req-create-1',
      [CE_HEADERS.contentType]: 'application/json',
      [CE_HEADERS.id]: expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
    expect(payload(u)).toEqual({
      product_id: id,
      version: 2,
      name: 'Lamp',
      category: 'home',
      price: 27.45,
      quantity: 9,
    })
    expect(u?.headers[CE_HEADERS.correlationId]).toBe('req-update-1')
    expect(payload(d)).toEqual({ product_id: id, version: 3 })
    expect(d?.headers[CE_HEADERS.correlationId]).toBe('req-delete-1')
    expect(u?.partition).toBe(c?.partition as number)
    expect(d?.partition).toBe(c?.partition as number)

    // The tombstone outlives its event, which is why the event could not be lost with the document.
    expect(doc).toMatchObject({ outbox_sent: 3, outbox_pending: 0, deleted_at: expect.any(Date), version: 3 })
    // Published events leave the document, so a product changed forever does not grow forever.
    expect(doc?.outbox).toEqual([])
    expect(creationLines(id)).toHaveLength(1)
    expect(creationLines(id)[0]).toMatchObject({ level: 'info', product_id: id, event_id: c?.headers.ce_id })
  })

  it('publishes one event per committed change, also when the same request is sent twice', async () => {
    const { _id: id } = await t.create({ name: 'Twice' })
    const patch = () => t.asAdmin('PATCH', `${PRODUCTS}/${id}`, { name: 'Twice renamed' })
    expect([(await patch()).status, (await patch()).status]).toEqual([200, 200])
    const remove = () => t.asAdmin('DELETE', `${PRODUCTS}/${id}`)
    expect([(await remove()).status, (await remove()).status]).toEqual([204, 404])
    await waitFor(() => forKey(deleted, id).length === 1 && forKey(updated, id).length === 2)
    await waitFor(allPublished)
    expect(forKey(created, id)).toHaveLength(1)
    expect(forKey(updated, id)).toHaveLength(2)
    expect(forKey(deleted, id)).toHaveLength(1)
    expect(creationLines(id)).toHaveLength(1)
  })

  it('keeps concurrent updates and their events in the same order', async () => {
    const { _id: id } = await t.create({ name: 'Contended', price: 1 })
    const prices = [2, 3, 4, 5, 6, 7]
    const answers = await Promise.all(
      prices.map((price) => t.asAdmin('PATCH', `${PRODUCTS}/${id}`, { price })),
    )
    expect(answers.map((res) => res.status)).toEqual(prices.map(() => 200))
    const events = await waitFor(() => forKey(updated, id).length === prices.length && forKey(updated, id))
    const final = (await (await t.send('GET', `${PRODUCTS}/${id}`)).json()) as { price: number }
    expect(events.map((m) => payload(m).price).sort()).toEqual(prices)
    expect(payload(events.at(-1)).price).toBe(final.price)
    expect((await t.rawDoc(id))?.version).toBe(prices.length + 1)
  })

  it('stores and publishes nothing for a rejected request', async () => {
    await waitFor(allPublished)
    const { _id: id } = await t.create({ name: 'Untouched' })
    await waitFor(() => forKey(created, id).length === 1)
    await waitFor(allPublished)
    const counts = () => ({
      created: created.messages.length,
      updated: updated.messages.length,
      deleted: deleted.messages.length,
    })
    const [before, entriesBefore] = [counts(), await outboxEntries()]
    const customer = { Authorization: `Bearer ${t.customerToken}` }
    const rejected = [
      await t.asAdmin('POST', PRODUCTS, { name: 'Bad', category: 'x', price: 1.001, quantity: 1 }),
      await t.asAdmin('POST', PRODUCTS, { name: { $gt: '' }, category: 'x', price: 1, quantity: 1 }),
      await t.send('POST', PRODUCTS, { name: 'Anon', category: 'x', price: 1, quantity: 1 }),
      await t.send('POST', PRODUCTS, { name: 'Cust', category: 'x', price: 1, quantity: 1 }, customer),
      await t.asAdmin('PATCH', `${PRODUCTS}/${id}`, {}),
      await t.asAdmin('PATCH', `${PRODUCTS}/${id}`, { quantity: 1 }),
      await t.send('PATCH', `${PRODUCTS}/${id}`, { name: 'Cust' }, customer),
      await t.asAdmin('PATCH', `${PRODUCTS}/${'e'.repeat(24)}`, { name: 'Ghost' }),
      await t.send('DELETE', `${PRODUCTS}/${id}`, undefined, customer),
      await t.asAdmin('DELETE', `${PRODUCTS}/${'e'.repeat(24)}`),
    ]
    expect(rejected.map((res) => res.status)).toEqual([400, 400, 401, 403, 400, 400, 403, 404, 403, 404])
    expect(await outboxEntries()).toBe(entriesBefore)
    expect(await t.rawDoc(id)).toMatchObject({ name: 'Untouched', version: 1, outbox_pending: 0 })

    const { _id: marker } = await t.create({ name: 'Marker' })
    await waitFor(() => forKey(created, marker).length === 1, { message: 'the marker event' })
    await workers?.stop()
    workers = undefined
    expect(counts()).toEqual({ ...before, created: before.created + 1 })
  })

  it('loses no event while Kafka is down and publishes each once when it is back', async () => {
    const broker = countingPublish(t.kafka.publish)
    broker.down = true
    workers = startWorkers({ db: t.db, publish: broker.publish, log: t.log })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await t.create({ name: `Offline ${i}` }))._id)
    await waitFor(() => broker.refused >= 3, { message: 'the relay to try and fail' })

    for (const id of ids) expect(await t.rawDoc(id)).toMatchObject({ outbox_pending: 1, outbox_sent: 0 })
    expect(ids.flatMap((id) => forKey(created, id))).toEqual([])
    expect(ids.flatMap(creationLines)).toEqual([])

    broker.down = false
    workers.wakeRelay()
    await waitFor(() => ids.every((id) => forKey(created, id).length > 0), {
      message: 'every held event',
      timeoutMs: 20_000,
    })
    await workers.stop()
    workers = undefined
    expect([...broker.sent.values()]).toEqual(ids.map(() => 1))
    for (const id of ids) {
      expect(forKey(created, id)).toHaveLength(1)
      expect(creationLines(id)).toHaveLength(1)
      expect(await t.rawDoc(id)).toMatchObject({ outbox_pending: 0, outbox_sent: 1 })
    }
  })

  it('publishes each event once when two relays run at once', async () => {
    const ids: string[] = []
    for (let i = 0; i < 12; i++) ids.push((await t.create({ name: `Contested ${i}` }))._id)
    const brokers = [1, 2].map(() => countingPublish(t.kafka.publish))
    const relays = brokers.map((broker) =>
      startWorkers({ db: t.db, publish: broker.publish, log: t.log, batchSize: 2 }),
    )
    await waitFor(() => ids.every((id) => forKey(created, id).length > 0), { message: 'all twelve events' })
    await waitFor(allPublished)
    await Promise.all(relays.map((relay) => relay.stop()))

    const sends = brokers.flatMap((broker) => [...broker.sent.entries()])
    expect(sends).toHaveLength(ids.length)
    expect(new Set(sends.map(([eventId]) => eventId)).size).toBe(ids.length)
    for (const id of ids) {
      expect(forKey(created, id)).toHaveLength(1)
      expect(creationLines(id)).toHaveLength(1)
    }
  })

  it('keeps a product document small however often it changes: published events leave its outbox', async () => {
    const relay = startWorkers({ db: t.db, publish: t.kafka.publish, log: t.log })
    const { _id: id } = await t.create({ name: 'Often changed', price: 1 })
    for (let i = 1; i <= 30; i++) {
      expect((await t.asAdmin('PATCH', `${PRODUCTS}/${id}`, { price: 1 + i })).status).toBe(200)
    }
    await waitFor(() => forKey(updated, id).length === 30, { message: 'thirty updates' })
    const doc = await waitFor(async () => {
      const current = await t.rawDoc(id)
      return current?.outbox_pending === 0 && current
    })
    await relay.stop()
    expect(doc).toMatchObject({ version: 31, outbox_sent: 31, outbox: [] })
    expect(forKey(updated, id).map((m) => payload(m).version)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 2),
    )
  })
})
