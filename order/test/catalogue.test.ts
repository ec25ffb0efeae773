import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Harness, newId } from './harness.ts'

const product = (product_id: string, fields: { name?: string; price?: number; quantity?: number } = {}) => ({
  product_id,
  name: 'Lamp',
  category: 'home',
  price: 20,
  quantity: 10,
  ...fields,
})

const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString()

describe('the local catalogue fed by product and stock events', () => {
  let h: Harness
  let token: string

  beforeAll(async () => {
    h = await createHarness()
    token = await h.tokenFor(crypto.randomUUID())
  })
  afterAll(() => h.stop())

  const order = (productId: string, quantity = 1) =>
    h.placeOrder(token, [{ product_id: productId, quantity }])

  it('prices new orders from product.updated and leaves placed orders at their snapshot', async () => {
    const lamp = await h.createProduct({ name: 'Lamp', price: 20 })
    const before = (await order(lamp)).body
    const id = await h.kafka.publish('product.updated', product(lamp, { name: 'Desk lamp', price: 25.5 }), {
      key: lamp,
    })
    await h.handled(id)
    const after = (await order(lamp, 2)).body
    expect(after.items[0]).toMatchObject({ name: 'Desk lamp', unit_price: 25.5 })
    expect(after.total).toBe(51)
    expect((await h.getOrder(before._id, token)).items[0]).toMatchObject({ name: 'Lamp', unit_price: 20 })
  })

  it('ignores a redelivered or older product event', async () => {
    const lamp = await h.createProduct({ name: 'Lamp' })
    const older = { id: crypto.randomUUID(), time: at(60) }
    await h.kafka.publish('product.updated', product(lamp, { name: 'Old name' }), { key: lamp, ...older })
    await h.handled(older.id)
    const newer = await h.kafka.publish('product.updated', product(lamp, { name: 'New name' }), { key: lamp })
    await h.handled(newer)
    await h.kafka.publish('product.updated', product(lamp, { name: 'Old name' }), { key: lamp, ...older })
    await h.handled(older.id, 2)
    const stale = await h.kafka.publish('product.created', product(lamp, { name: 'First name' }), {
      key: lamp,
      time: at(120),
    })
    await h.handled(stale)
    expect((await order(lamp)).body.items[0].name).toBe('New name')
  })

  it('refuses a deleted product for good, whatever arrives after the deletion', async () => {
    const lamp = await h.createProduct()
    const deletion = crypto.randomUUID()
    for (let i = 1; i <= 2; i++) {
      await h.kafka.publish('product.deleted', { product_id: lamp }, { key: lamp, id: deletion })
      await h.handled(deletion, i)
    }
    const late = await h.kafka.publish('product.updated', product(lamp), { key: lamp })
    await h.handled(late)
    expect((await order(lamp)).status).toBe(422)
  })

  it('keeps the stock from stock.updated, answering 409 above it and 201 within it', async () => {
    const lamp = await h.createProduct({ quantity: 10 })
    const id = await h.publishStock(lamp, 2)
    await h.handled(id)
    expect((await order(lamp, 3)).status).toBe(409)
    expect((await order(lamp, 2)).status).toBe(201)
    const restock = await h.publishStock(lamp, 40)
    await h.handled(restock)
    expect((await order(lamp, 30)).status).toBe(201)
  })

  it('logs each stock update once, even when it is delivered twice, and ignores an older one', async () => {
    const lamp = await h.createProduct()
    const update = { id: crypto.randomUUID(), time: at(1) }
    await h.publishStock(lamp, 7, { ...update, correlationId: 'inv-req-7' })
    await h.publishStock(lamp, 7, { ...update, correlationId: 'inv-req-7' })
    await h.handled(update.id, 2)
    const stale = await h.publishStock(lamp, 500, { time: at(30) })
    await h.handled(stale)
    const lines = h.entries.filter((e) => e.msg === `Received stock update from stock.updated: ${lamp}`)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 'info',
      topic: 'stock.updated',
      event_id: update.id,
      correlation_id: 'inv-req-7',
    })
    expect((await order(lamp, 8)).status).toBe(409)
  })

  it('keeps stock heard before the product: product.created does not overwrite it with its quantity', async () => {
    const lamp = newId()
    const id = await h.publishStock(lamp, 1)
    await h.handled(id)
    expect((await order(lamp)).status).toBe(422)
    await h.createProduct({ quantity: 100 }, lamp)
    expect((await order(lamp, 2)).status).toBe(409)
    expect((await order(lamp, 1)).status).toBe(201)
  })

  it('takes a new product’s quantity as its stock until inventory says otherwise', async () => {
    const lamp = await h.createProduct({ quantity: 3 })
    expect((await order(lamp, 4)).status).toBe(409)
    const again = await h.kafka.publish('product.created', product(lamp, { quantity: 50 }), { key: lamp })
    await h.handled(again)
    expect((await order(lamp, 4)).status).toBe(409)
    await waitFor(async () => (await h.db.catalogue.findOne({ _id: lamp }))?.stock === 3)
  })
})
