import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { MongoClient } from 'mongodb'
import { createApp } from '../src/app.ts'
import { ensureProductIndexes } from '../src/products/document.ts'
import { createHarness, type Harness, PRODUCTS, sampleProduct } from './harness.ts'

const UNKNOWN_ID = 'f'.repeat(24)
const never = (): never => {
  throw new Error('no token is verified in this test')
}

describe('product routes', () => {
  let t: Harness
  beforeAll(async () => {
    t = await createHarness()
  })
  afterAll(() => t.close())

  it('creates a product as admin and answers 201 with the stored product', async () => {
    const res = await t.asAdmin('POST', `${PRODUCTS}/`, sampleProduct())
    expect(res.status).toBe(201)
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(
      ['_id', 'category', 'created_at', 'description', 'name', 'price', 'quantity', 'updated_at'].sort(),
    )
    expect(body._id).toMatch(/^[0-9a-f]{24}$/)
    expect(body).toMatchObject(sampleProduct())
    expect(new Date(body.created_at as string).toISOString()).toBe(body.created_at as string)
    expect(body.updated_at).toBe(body.created_at)
    expect(res.headers.get('Location')).toBe(`${PRODUCTS}/${body._id}`)

    const got = await t.send('GET', `${PRODUCTS}/${body._id}`)
    expect(got.status).toBe(200)
    expect(await got.json()).toEqual(body)
  })

  it('answers both /products and /products/ for create and list', async () => {
    const created = await t.asAdmin('POST', PRODUCTS, sampleProduct({ name: 'No slash' }))
    expect(created.status).toBe(201)
    for (const path of [PRODUCTS, `${PRODUCTS}/`]) {
      const res = await t.send('GET', path)
      expect(res.status).toBe(200)
      expect(Array.isArray(await res.json())).toBe(true)
    }
  })

  it('stores a missing description as null and accepts the boundary values', async () => {
    const body = await t.create({
      description: undefined,
      name: 'n'.repeat(200),
      category: 'c'.repeat(100),
      price: 10_000_000,
      quantity: 0,
    })
    expect(body).toMatchObject({ description: null, price: 10_000_000, quantity: 0 })
    expect((await t.create({ description: 'd'.repeat(2000), price: 0.01 })).price).toBe(0.01)
  })

  it('stores prices as exact integer cents and serves them back with two decimals', async () => {
    const cases: [price: number, cents: number, served: number][] = [
      [19.99, 1999, 19.99],
      [0.1 + 0.2, 30, 0.3],
      [1.1 * 3, 330, 3.3],
      [4.35, 435, 4.35],
      [9_999_999.99, 999_999_999, 9_999_999.99],
    ]
    for (const [price, cents, served] of cases) {
      const body = await t.create({ price })
      expect(body.price).toBe(served)
      const doc = await t.rawDoc(body._id)
      expect(doc?.price_cents).toBe(cents)
      expect(Number.isInteger(doc?.price_cents)).toBe(true)
      expect(
        ((await (await t.send('GET', `${PRODUCTS}/${body._id}`)).json()) as { price: number }).price,
      ).toBe(served)
    }
  })

  it('answers 400 for each invalid or over-precise create body and stores nothing', async () => {
    const before = await t.products.countDocuments()
    const bad: Record<string, unknown>[] = [
      { name: undefined },
      { name: '' },
      { name: '   ' },
      { name: 'n'.repeat(201) },
      { description: 'd'.repeat(2001) },
      { category: undefined },
      { category: 'c'.repeat(101) },
      { price: undefined },
      { price: 0 },
      { price: -5 },
      { price: 19.999 },
      { price: 1.005 },
      { price: 10_000_000.01 },
      { price: '19.99' },
      { quantity: undefined },
      { quantity: -1 },
      { quantity: 1.5 },
      { quantity: '3' },
      { colour: 'red' },
      { _id: 'a'.repeat(24) },
      { name: { $gt: '' } },
      { category: { $ne: null } },
      { price: { $gt: 0 } },
      { description: { $where: 'sleep(1000)' } },
    ]
    for (const overrides of bad) {
      const res = await t.asAdmin('POST', PRODUCTS, sampleProduct(overrides))
      expect({ overrides, status: res.status }).toEqual({ overrides, status: 400 })
      expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    }
    expect(await t.products.countDocuments()).toBe(before)
  })

  it('answers malformed JSON with 400 and a non-JSON body with 415', async () => {
    expect((await t.asAdmin('POST', PRODUCTS, '{"name": ')).status).toBe(400)
    const form = await t.send('POST', PRODUCTS, undefined, {
      Authorization: `Bearer ${t.adminToken}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    })
    expect(form.status).toBe(415)
  })

  it('refuses writes without a token (401), with a bad token (401) and from a customer (403)', async () => {
    const { _id } = await t.create({ name: 'Guarded' })
    const before = await t.products.countDocuments()
    const writes: [string, string, unknown][] = [
      ['POST', PRODUCTS, sampleProduct()],
      ['PATCH', `${PRODUCTS}/${_id}`, { name: 'Hijacked' }],
      ['DELETE', `${PRODUCTS}/${_id}`, undefined],
    ]
    for (const [method, path, body] of writes) {
      const anonymous = await t.send(method, path, body)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('WWW-Authenticate')).toBe('Bearer')
      expect((await t.send(method, path, body, { Authorization: 'Bearer not.a.jwt' })).status).toBe(401)
      const customer = await t.send(method, path, body, { Authorization: `Bearer ${t.customerToken}` })
      expect(customer.status).toBe(403)
    }
    expect(await t.products.countDocuments()).toBe(before)
    expect(await (await t.send('GET', `${PRODUCTS}/${_id}`)).json()).toMatchObject({ name: 'Guarded' })
  })

  it('reads a product publicly, answering 400 for a malformed id and 404 for an unknown one', async () => {
    const { _id } = await t.create({ name: 'Public' })
    expect((await t.send('GET', `${PRODUCTS}/${_id}`)).status).toBe(200)
    expect((await t.send('GET', `${PRODUCTS}/${_id.toUpperCase()}`)).status).toBe(200)
    for (const id of ['abc', 'z'.repeat(24), 'a'.repeat(25), '%7B%22%24gt%22%3A%22%22%7D']) {
      expect({ id, status: (await t.send('GET', `${PRODUCTS}/${id}`)).status }).toEqual({ id, status: 400 })
    }
    const missing = await t.send('GET', `${PRODUCTS}/${UNKNOWN_ID}`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ type: '/problems/not-found', status: 404 })
  })

  it('updates the given fields and keeps the others, the creation time and the quantity', async () => {
    const created = await t.create({ name: 'Before', price: 5, quantity: 7 })
    const res = await t.asAdmin('PATCH', `${PRODUCTS}/${created._id}`, { name: 'After', price: 6.1 })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      _id: created._id,
      name: 'After',
      price: 6.1,
      quantity: 7,
      category: 'kitchen',
    })
    expect(body.created_at).toBe(created.created_at)
    expect(await (await t.send('GET', `${PRODUCTS}/${created._id}`)).json()).toEqual(body)
    expect((await t.rawDoc(created._id))?.version).toBe(2)

    const cleared = await t.asAdmin('PATCH', `${PRODUCTS}/${created._id}`, { description: null })
    expect(await cleared.json()).toMatchObject({ description: null, name: 'After' })
  })

  it('answers 400 for an empty, quantity-changing or injected update and changes nothing', async () => {
    const created = await t.create({ name: 'Stable' })
    const path = `${PRODUCTS}/${created._id}`
    for (const body of [
      {},
      { quantity: 3 },
      { price: 1.234 },
      { name: { $gt: '' } },
      { name: '' },
      { x: 1 },
    ]) {
      expect({ body, status: (await t.asAdmin('PATCH', path, body)).status }).toEqual({ body, status: 400 })
    }
    const doc = await t.rawDoc(created._id)
    expect(doc).toMatchObject({ name: 'Stable', version: 1, outbox_pending: doc?.outbox.length })
    expect(doc?.outbox).toHaveLength(1)
  })

  it('answers PATCH with 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await t.asAdmin('PATCH', `${PRODUCTS}/${UNKNOWN_ID}`, { name: 'x' })).status).toBe(404)
    expect((await t.asAdmin('PATCH', `${PRODUCTS}/nope`, { name: 'x' })).status).toBe(400)
  })

  it('deletes a product: 204, then 404 on read, update and a second delete, and gone from the list', async () => {
    const { _id } = await t.create({ name: 'Doomed', category: 'doomed' })
    const path = `${PRODUCTS}/${_id}`
    const res = await t.asAdmin('DELETE', path)
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect((await t.send('GET', path)).status).toBe(404)
    expect((await t.asAdmin('PATCH', path, { name: 'Back' })).status).toBe(404)
    expect((await t.asAdmin('DELETE', path)).status).toBe(404)
    const list = await t.send('GET', `${PRODUCTS}?category=doomed`)
    expect(await list.json()).toEqual([])
    expect(list.headers.get('X-Total-Count')).toBe('0')
    expect((await t.asAdmin('DELETE', `${PRODUCTS}/${UNKNOWN_ID}`)).status).toBe(404)
    expect((await t.asAdmin('DELETE', `${PRODUCTS}/xyz`)).status).toBe(400)
  })

  it('creates its indexes at start-up and can do so again', async () => {
    await ensureProductIndexes(t.db)
    await ensureProductIndexes(t.db)
    const names = (await t.products.listIndexes().toArray()).map((index) => index.name)
    expect(names).toEqual(expect.arrayContaining(['category', 'name', 'created_at_id', 'outbox_ready']))
  })

  it('answers /health without I/O and /ready with the store and the broker up', async () => {
    expect(await (await t.send('GET', '/health')).json()).toEqual({
      status: 'ok',
      service: 'product-service',
    })
    const ready = await t.send('GET', '/ready')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ checks: { mongodb: 'up', kafka: 'up', catalogue: 'up' } })
  })

  it('answers /ready with 503 naming MongoDB when it cannot be reached', async () => {
    const unreachable = new MongoClient('mongodb://127.0.0.1:1/products', { serverSelectionTimeoutMS: 300 })
    const app = createApp({
      db: unreachable.db(),
      kafka: t.kafka,
      catalogue: { catalogue: t.catalogue, check: async () => {} },
      verifyToken: async () => never(),
      log: t.log,
    })
    const res = await app.request('/ready')
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ down: ['mongodb'], checks: { kafka: 'up', catalogue: 'up' } })
    await unreachable.close()
  })
})
