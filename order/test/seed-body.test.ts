import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Harness } from './harness.ts'

const ADDRESS = {
  line1: '9 Elm Row',
  city: 'Edinburgh',
  state: 'Lothian',
  postal_code: 'EH7 4AA',
  country: 'GB',
}

describe('orders placed with the seed’s body', () => {
  let h: Harness
  let widget: string
  let gadget: string
  let alice: { id: string; token: string }
  let admin: string

  beforeAll(async () => {
    h = await createHarness()
    widget = await h.createProduct({ name: 'Widget', price: 9.99, quantity: 1000 })
    gadget = await h.createProduct({ name: 'Gadget', price: 0.1, quantity: 1000 })
    const id = crypto.randomUUID()
    alice = { id, token: await h.tokenFor(id) }
    admin = await h.tokenFor(crypto.randomUUID(), 'admin')
  })
  afterAll(() => h.stop())

  const seedBody = (userId: string, items = [{ product_id: widget, quantity: 2, price: 9.99 }]) => ({
    user_id: userId,
    items,
    shipping_address: ADDRESS,
  })

  const post = (token: string, body: unknown) => h.call('POST', '/api/v1/orders/', { token, body })

  it('accepts {user_id, items with prices, shipping_address} from the caller and keeps the address', async () => {
    const res = await post(
      alice.token,
      seedBody(alice.id, [
        { product_id: widget, quantity: 2, price: 9.99 },
        { product_id: gadget, quantity: 3, price: 0.1 },
      ]),
    )
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      user_id: alice.id,
      status: 'PENDING',
      total: 20.28,
      shipping_address: { ...ADDRESS, line2: null },
      items: [
        { product_id: widget, unit_price: 9.99, quantity: 2 },
        { product_id: gadget, unit_price: 0.1, quantity: 3 },
      ],
    })
  })

  it('answers 403 when a customer names another user, writing nothing', async () => {
    const before = await h.db.orders.countDocuments()
    const res = await post(alice.token, seedBody(crypto.randomUUID()))
    expect(res.status).toBe(403)
    expect(await h.db.orders.countDocuments()).toBe(before)
  })

  it('lets an admin order for a user: the order is that user’s', async () => {
    const bob = crypto.randomUUID()
    const res = await post(admin, seedBody(bob))
    expect(res.status).toBe(201)
    expect(res.body.user_id).toBe(bob)
    const bobs = await h.call('GET', `/api/v1/orders/user/${bob}`, { token: await h.tokenFor(bob) })
    expect(bobs.body.map((o: { _id: string }) => o._id)).toEqual([res.body._id])
  })

  it('answers 409 naming the current price when a sent price is not it, writing nothing', async () => {
    const before = await h.db.orders.countDocuments()
    const res = await post(
      alice.token,
      seedBody(alice.id, [
        { product_id: gadget, quantity: 1, price: 0.1 },
        { product_id: widget, quantity: 1, price: 8.99 },
      ]),
    )
    expect(res.status).toBe(409)
    expect(res.body.detail).toContain(`Widget (${widget}) costs 9.99 now, not 8.99`)
    expect(res.body.detail).not.toContain('Gadget')
    expect(await h.db.orders.countDocuments()).toBe(before)
  })

  it('answers 409 once the price has changed since the customer saw it', async () => {
    await h.kafka.publish(
      'product.updated',
      { product_id: gadget, version: 2, name: 'Gadget', category: 'tools', price: 0.25, quantity: 1000 },
      { key: gadget },
    )
    // Until the update arrives the new price is the wrong one (409, nothing written); then it is taken.
    const fresh = await waitFor(async () => {
      const res = await post(
        alice.token,
        seedBody(alice.id, [{ product_id: gadget, quantity: 1, price: 0.25 }]),
      )
      return res.status === 201 && res
    })
    expect(fresh.body.items[0].unit_price).toBe(0.25)
    const stale = await post(
      alice.token,
      seedBody(alice.id, [{ product_id: gadget, quantity: 1, price: 0.1 }]),
    )
    expect(stale.status).toBe(409)
    expect(stale.body.detail).toContain('costs 0.25 now, not 0.1')
  })

  it('answers 400 naming the field for a malformed user_id or price', async () => {
    for (const [body, path] of [
      [{ ...seedBody(alice.id), user_id: 'alice' }, 'user_id'],
      [seedBody(alice.id, [{ product_id: widget, quantity: 1, price: 9.999 }]), 'items.0.price'],
      [seedBody(alice.id, [{ product_id: widget, quantity: 1, price: -1 }]), 'items.0.price'],
    ] as const) {
      const res = await post(alice.token, body)
      expect({ path, status: res.status }).toEqual({ path, status: 400 })
      expect(res.body.errors[0].path).toBe(path)
    }
  })
})

describe('GET /api/v1/orders/user/{user_id}', () => {
  let h: Harness
  let widget: string

  beforeAll(async () => {
    h = await createHarness()
    widget = await h.createProduct({ name: 'Widget', quantity: 1000 })
  })
  afterAll(() => h.stop())

  it('lists a user’s own orders to them and to an admin, newest first, and answers 403 to anyone else', async () => {
    const alice = crypto.randomUUID()
    const token = await h.tokenFor(alice)
    const ids: string[] = []
    for (let i = 0; i < 3; i++)
      ids.push((await h.placeOrder(token, [{ product_id: widget, quantity: 1 }])).body._id)
    await h.placeOrder(await h.tokenFor(crypto.randomUUID()), [{ product_id: widget, quantity: 1 }])

    const own = await h.call('GET', `/api/v1/orders/user/${alice}`, { token })
    expect(own.status).toBe(200)
    expect(own.body.map((o: { _id: string }) => o._id)).toEqual(ids.reverse())
    expect(own.headers.get('X-Total-Count')).toBe('3')

    const byAdmin = await h.call('GET', `/api/v1/orders/user/${alice}?limit=2`, {
      token: await h.tokenFor(crypto.randomUUID(), 'admin'),
    })
    expect(byAdmin.status).toBe(200)
    expect(byAdmin.body).toHaveLength(2)

    const stranger = await h.call('GET', `/api/v1/orders/user/${alice}`, {
      token: await h.tokenFor(crypto.randomUUID()),
    })
    expect(stranger.status).toBe(403)
    expect((await h.call('GET', '/api/v1/orders/user/nobody', { token })).status).toBe(400)
    expect((await h.call('GET', `/api/v1/orders/user/${alice}`)).status).toBe(401)
  })
})
