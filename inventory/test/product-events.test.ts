import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { waitFor } from '@shop/shared/testing/wait-for'
import {
  createHarness,
  type Inventory,
  isReceived,
  isSkipped,
  objectId,
  START_TIMEOUT_MS,
} from './harness.ts'

describe('stock entries follow the product events', () => {
  let inv: Inventory
  beforeAll(async () => {
    inv = await createHarness()
  }, START_TIMEOUT_MS)
  afterAll(() => inv?.stop(), START_TIMEOUT_MS)

  const updatesOf = (product_id: string) => inv.published('stock.updated', (p) => p.product_id === product_id)

  it('creates the stock entry with the product quantity and publishes stock.updated initial', async () => {
    const { product_id, event_id } = await inv.createProduct(7)
    expect(await inv.stockOnSale(product_id)).toMatchObject({ product_id, stock: 7, reserved: 0 })
    const [update] = await waitFor(() => updatesOf(product_id).length === 1 && updatesOf(product_id))
    expect(update).toEqual({ product_id, version: 1, stock: 7, reserved: 0, change: 7, reason: 'initial' })

    const received = inv.entries.filter((entry) => entry.event_id === event_id && isReceived(entry))
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({
      level: 'info',
      msg: `Received message from product.created: ${event_id}`,
      topic: 'product.created',
      key: product_id,
      partition: expect.any(Number),
      offset: expect.any(String),
    })
    const sent = await waitFor(() =>
      inv.entries.filter((entry) => entry.msg === `Sent stock update to stock.updated: ${product_id}`),
    )
    expect(sent).toHaveLength(1)
  })

  it('applies a product.created delivered twice once', async () => {
    const id = crypto.randomUUID()
    const { product_id } = await inv.createProduct(4, objectId(), { id })
    await inv.createProduct(4, product_id, { id })
    await waitFor(() => inv.entries.some((entry) => entry.event_id === id && isSkipped(entry)), {
      message: 'the duplicate to be skipped',
    })
    expect(inv.entries.filter((entry) => entry.event_id === id && isReceived(entry))).toHaveLength(1)
    expect(await inv.row(product_id)).toMatchObject({ stock: 4, initial: 4, adjustments: 0 })
    await waitFor(() => updatesOf(product_id).length === 1)
  })

  it('changes only the name on product.updated, whatever quantity it carries', async () => {
    const { product_id } = await inv.createProduct(5)
    await inv.stockOnSale(product_id)
    const id = await inv.kafka.publish(
      'product.updated',
      { product_id, version: 3, name: 'Renamed', category: 'tools', price: 1, quantity: 99 },
      { key: product_id },
    )
    await inv.applied(id)
    expect(await inv.row(product_id)).toMatchObject({ name: 'Renamed', stock: 5, initial: 5, reserved: 0 })
    expect(updatesOf(product_id)).toHaveLength(1)
  })

  it('applies product.updated by version: an older one arriving late changes nothing', async () => {
    const { product_id } = await inv.createProduct(5)
    await inv.stockOnSale(product_id)
    const rename = (version: number, name: string) =>
      inv.kafka.publish(
        'product.updated',
        { product_id, version, name, category: 'tools', price: 1, quantity: 5 },
        { key: product_id },
      )
    await inv.applied(await rename(3, 'Newest'))
    await inv.applied(await rename(2, 'Stale'))
    expect(await inv.row(product_id)).toMatchObject({ name: 'Newest', version: 1 })
  })

  it('creates the entry once from a product.updated that overtook its product.created', async () => {
    const product_id = objectId()
    const id = await inv.kafka.publish(
      'product.updated',
      { product_id, version: 2, name: 'Newer name', category: 'tools', price: 1, quantity: 6 },
      { key: product_id },
    )
    await inv.applied(id)
    const created = await inv.createProduct(6, product_id)
    await inv.applied(created.event_id)
    expect(await inv.row(product_id)).toMatchObject({ name: 'Newer name', stock: 6, initial: 6 })
    await waitFor(() => updatesOf(product_id).length === 1)
    expect(updatesOf(product_id)[0]).toMatchObject({ reason: 'initial', version: 1, stock: 6, change: 6 })
  })

  it('takes a deleted product off sale: 404 and stock.updated removed with stock 0', async () => {
    const { product_id } = await inv.createProduct(3)
    await inv.stockOnSale(product_id)
    const id = await inv.deleteProduct(product_id)
    await inv.applied(id)
    expect((await inv.app.request(`/api/v1/inventory/${product_id}`)).status).toBe(404)
    const removed = await waitFor(() => updatesOf(product_id).find((p) => p.reason === 'removed'))
    expect(removed).toEqual({ product_id, version: 2, stock: 0, reserved: 0, change: -3, reason: 'removed' })
    const row = await inv.row(product_id)
    expect(row?.deleted_at).toBeInstanceOf(Date)
    expect((row?.initial ?? 0) + (row?.adjustments ?? 0)).toBe(
      (row?.stock ?? 0) + (row?.reserved ?? 0) + (row?.shipped ?? 0),
    )
  })

  it('keeps a product off sale when its deletion overtook its creation', async () => {
    const product_id = objectId()
    await inv.applied(await inv.deleteProduct(product_id))
    const created = await inv.createProduct(8, product_id)
    await inv.applied(created.event_id)
    expect((await inv.app.request(`/api/v1/inventory/${product_id}`)).status).toBe(404)
    expect(await inv.row(product_id)).toMatchObject({ stock: 0, initial: 0 })
    expect(updatesOf(product_id)).toHaveLength(0)
  })
})
