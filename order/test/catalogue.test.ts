import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createMemoryLogger } from '@shop/shared/log'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createCatalogueStore } from '../src/catalogue/store.ts'
import { createOrderWaiters } from '../src/orders/wait.ts'
import { startWorkers } from '../src/worker.ts'
import { createHarness, type Harness, newId } from './harness.ts'

const inAMinute = () => new Date(Date.now() + 60_000).toISOString()
const aMinuteAgo = () => new Date(Date.now() - 60_000).toISOString()

describe('the in-memory catalogue fed by product and stock events', () => {
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
    await h.handled(await h.updateProduct(lamp, { name: 'Desk lamp', price: 25.5 }))
    const after = (await order(lamp, 2)).body
    expect(after.items[0]).toMatchObject({ name: 'Desk lamp', unit_price: 25.5 })
    expect(after.total).toBe(51)
    expect((await h.getOrder(before._id, token)).items[0]).toMatchObject({ name: 'Lamp', unit_price: 20 })
  })

  it('applies by version, never by time: an older version is ignored even when stamped later', async () => {
    const lamp = await h.createProduct({ name: 'Lamp', version: 1 })
    const newer = await h.updateProduct(lamp, { name: 'New name', version: 5 }, { time: aMinuteAgo() })
    await h.handled(newer)
    const older = await h.updateProduct(lamp, { name: 'Old name', version: 3 }, { time: inAMinute() })
    await h.handled(older)
    const redelivered = { id: crypto.randomUUID() }
    await h.updateProduct(lamp, { name: 'Old name', version: 4 }, redelivered)
    await h.handled(redelivered.id)
    const created = await h.kafka.publish(
      'product.created',
      { product_id: lamp, version: 1, name: 'First name', category: 'home', price: 1, quantity: 1 },
      { key: lamp },
    )
    await h.handled(created)
    expect((await order(lamp)).body.items[0].name).toBe('New name')
  })

  it('refuses a deleted product for good, whatever arrives after the deletion', async () => {
    const lamp = await h.createProduct()
    const deletion = crypto.randomUUID()
    for (let i = 1; i <= 2; i++) {
      await h.deleteProduct(lamp, { id: deletion, version: 2 })
      await h.handled(deletion, i)
    }
    await h.handled(await h.updateProduct(lamp, { version: 9 }))
    expect((await order(lamp)).status).toBe(422)
  })

  it('keeps the stock from stock.updated, answering 409 above it and 201 within it', async () => {
    const lamp = await h.createProduct({ quantity: 10 })
    await h.handled(await h.publishStock(lamp, 2))
    expect((await order(lamp, 3)).status).toBe(409)
    expect((await order(lamp, 2)).status).toBe(201)
    await h.handled(await h.publishStock(lamp, 40))
    expect((await order(lamp, 30)).status).toBe(201)
  })

  it('logs each stock update once, even when it is delivered twice, and ignores an older version', async () => {
    const lamp = await h.createProduct()
    const update = { id: crypto.randomUUID(), correlationId: 'inv-req-7', version: 2 }
    await h.publishStock(lamp, 7, update)
    await h.publishStock(lamp, 7, update)
    await h.handled(update.id, 2)
    await h.handled(await h.publishStock(lamp, 500, { version: 1 }))
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
    await h.handled(await h.publishStock(lamp, 1))
    expect((await order(lamp)).status).toBe(422)
    await h.createProduct({ quantity: 100 }, lamp)
    expect((await order(lamp, 2)).status).toBe(409)
    expect((await order(lamp, 1)).status).toBe(201)
  })

  it('takes a new product’s quantity as its stock until inventory says otherwise', async () => {
    const lamp = await h.createProduct({ quantity: 3 })
    expect((await order(lamp, 4)).status).toBe(409)
    const again = await h.kafka.publish(
      'product.created',
      { product_id: lamp, version: 1, name: 'Lamp', category: 'home', price: 1, quantity: 50 },
      { key: lamp },
    )
    await h.handled(again)
    expect((await order(lamp, 4)).status).toBe(409)
    expect(h.catalogue.get(lamp)?.stock).toBe(3)
  })

  it('rebuilds the same catalogue in a fresh process from the topics, and says so on /ready', async () => {
    const lamp = await h.createProduct({ name: 'Rebuilt', price: 12.5 })
    await h.handled(await h.publishStock(lamp, 4))
    const fresh = createCatalogueStore()
    const workers = await startWorkers({
      db: h.mongo.db,
      kafka: h.kafka,
      log: createMemoryLogger('order').log,
      catalogue: fresh,
      waiters: createOrderWaiters(),
      groupId: `${h.groupId}-fresh`,
    })
    try {
      await waitFor(() => fresh.isLoaded(), { message: 'the fresh catalogue to catch up' })
      await workers.catalogueReady()
      expect(fresh.get(lamp)).toEqual(h.catalogue.get(lamp) as never)
      expect(fresh.size).toBe(h.catalogue.size)
    } finally {
      await workers.stop()
    }
    const ready = await h.call('GET', '/ready')
    expect(ready.body.checks).toEqual({ mongodb: 'up', kafka: 'up', catalogue: 'up' })
  })
})
