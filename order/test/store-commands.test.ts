import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { waitFor } from '@shop/shared/testing/wait-for'
import { MongoClient } from 'mongodb'
import { createHarness, type Harness } from './harness.ts'

const ORDERS = 150
const CLIENTS = 8
const LIMIT_PER_ORDER = 5

/**
 * MongoDB commands the order service sends per order, end to end: placing it, publishing order.placed,
 * applying inventory's decision (client GETs are not counted: none are made). Counted by the driver's
 * command monitoring on the service's own client, relay polls, lease inserts and periodic tasks included.
 */
describe('store commands per order', () => {
  let h: Harness
  let monitored: MongoClient
  let stopInventory: () => Promise<void>
  let token: string
  let widget: string
  const commands: string[] = []

  beforeAll(async () => {
    h = await createHarness({
      db: async (url) => {
        monitored = new MongoClient(url, { monitorCommands: true, serverSelectionTimeoutMS: 5_000 })
        monitored.on('commandStarted', (event) => commands.push(event.commandName))
        await monitored.connect()
        return monitored.db()
      },
    })
    token = await h.tokenFor(crypto.randomUUID())
    widget = await h.createProduct({ quantity: 1_000_000 })
    stopInventory = await h.autoDecide()
  })
  afterAll(async () => {
    await stopInventory()
    await h.stop()
    await monitored.close()
  })

  /** Places ORDERS orders from CLIENTS concurrent clients and counts commands until all are decided and published. */
  const measure = async (withKey: boolean) => {
    const before = await h.mongo.db.collection('orders').countDocuments({ status: 'CONFIRMED' })
    commands.length = 0
    let next = 0
    const client = async () => {
      while (next < ORDERS) {
        next++
        const key = withKey ? crypto.randomUUID() : undefined
        const res = await h.placeOrder(token, [{ product_id: widget, quantity: 1 }], key)
        expect(res.status).toBe(201)
      }
    }
    const startedAt = Date.now()
    await Promise.all(Array.from({ length: CLIENTS }, client))
    const placedMs = Date.now() - startedAt
    // Checked through the test's own, unmonitored client.
    await waitFor(
      async () =>
        (await h.mongo.db.collection('orders').countDocuments({ status: 'CONFIRMED' })) === before + ORDERS &&
        (await h.mongo.db.collection('order_events').countDocuments({ pending: true })) === 0,
      { timeoutMs: 60_000, message: 'every order decided and published' },
    )
    const byName = Object.entries(
      commands.reduce<Record<string, number>>((counts, name) => {
        counts[name] = (counts[name] ?? 0) + 1
        return counts
      }, {}),
    )
      .map(([name, count]) => `${name} ${count}`)
      .join(', ')
    const perOrder = commands.length / ORDERS
    const doneMs = Date.now() - startedAt
    console.log(
      `MongoDB commands per order ${withKey ? 'with' : 'without'} Idempotency-Key: ${perOrder.toFixed(2)} (${commands.length} for ${ORDERS} orders: ${byName}); placed in ${placedMs} ms, all decided and published by ${doneMs} ms`,
    )
    return perOrder
  }

  it(`sends at most ${LIMIT_PER_ORDER} commands per order without an Idempotency-Key`, async () => {
    expect(await measure(false)).toBeLessThanOrEqual(LIMIT_PER_ORDER)
  }, 90_000)

  it('sends one more per order with an Idempotency-Key (its record)', async () => {
    expect(await measure(true)).toBeLessThanOrEqual(LIMIT_PER_ORDER + 1)
  }, 90_000)
})
