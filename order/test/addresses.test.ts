import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHarness, type Harness } from './harness.ts'

const HOME = { line1: '5 Rue des Fleurs', city: 'Lyon', postal_code: '69001', country: 'FR' }
const WORK = {
  line1: '22 Dock Road',
  line2: 'Unit 4',
  city: 'Leeds',
  state: 'West Yorkshire',
  postal_code: 'LS1 1AA',
  country: 'GB',
}

describe('shipping addresses on orders', () => {
  let h: Harness
  let productId: string

  beforeAll(async () => {
    h = await createHarness()
    productId = await h.createProduct({ name: 'Chair', price: 45, quantity: 1000 })
  })
  afterAll(() => h.stop())

  const customer = async () => {
    const id = crypto.randomUUID()
    return { id, token: await h.tokenFor(id) }
  }

  /** The user service announces an address; waits until the order service has handled the event `times` times. */
  const announce = async (
    topic: 'user.address_added' | 'user.address_removed',
    payload: { user_id: string; address_id: string; address?: typeof WORK | typeof HOME },
    eventId: string = crypto.randomUUID(),
    times = 1,
  ) => {
    await h.kafka.publish(topic, payload, { key: payload.user_id, id: eventId })
    await h.handled(eventId, times)
    return eventId
  }

  const order = (token: string, extra: Record<string, unknown>) =>
    h.call('POST', '/api/v1/orders', {
      token,
      body: { items: [{ product_id: productId, quantity: 1 }], ...extra },
    })

  it('snapshots the caller’s own address given by address_id', async () => {
    const alice = await customer()
    const addressId = crypto.randomUUID()
    await announce('user.address_added', { user_id: alice.id, address_id: addressId, address: WORK })
    const res = await order(alice.token, { address_id: addressId })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ address_id: addressId, shipping_address: WORK })
    expect((await h.getOrder(res.body._id, alice.token)).shipping_address).toEqual(WORK)
  })

  it('answers 422 naming address_id for another user’s address and for one never announced, writing nothing', async () => {
    const alice = await customer()
    const bob = await customer()
    const bobs = crypto.randomUUID()
    await announce('user.address_added', { user_id: bob.id, address_id: bobs, address: HOME })
    const before = await h.db.orders.countDocuments({ user_id: alice.id })
    for (const addressId of [bobs, crypto.randomUUID()]) {
      const res = await order(alice.token, { address_id: addressId })
      expect(res.status).toBe(422)
      expect(res.body.errors[0].path).toBe('address_id')
    }
    expect(await h.db.orders.countDocuments({ user_id: alice.id })).toBe(before)
  })

  it('keeps a placed order’s snapshot when the address is later removed, and refuses the address for new orders', async () => {
    const alice = await customer()
    const addressId = crypto.randomUUID()
    await announce('user.address_added', { user_id: alice.id, address_id: addressId, address: HOME })
    const placed = await order(alice.token, { address_id: addressId })
    expect(placed.status).toBe(201)
    await announce('user.address_removed', { user_id: alice.id, address_id: addressId })
    const later = await h.getOrder(placed.body._id, alice.token)
    expect(later.shipping_address).toEqual({ ...HOME, line2: null, state: null })
    expect(later.address_id).toBe(addressId)
    expect((await order(alice.token, { address_id: addressId })).status).toBe(422)
  })

  it('learns an address once however often its events are delivered, and a redelivered addition does not undo a removal', async () => {
    const alice = await customer()
    const addressId = crypto.randomUUID()
    const payload = { user_id: alice.id, address_id: addressId, address: HOME }
    const added = await announce('user.address_added', payload)
    await announce('user.address_added', payload, added, 2)
    expect(await h.db.addresses.countDocuments({ _id: addressId })).toBe(1)
    expect((await order(alice.token, { address_id: addressId })).status).toBe(201)
    const removed = await announce('user.address_removed', { user_id: alice.id, address_id: addressId })
    await announce('user.address_removed', { user_id: alice.id, address_id: addressId }, removed, 2)
    await announce('user.address_added', payload, added, 3)
    expect((await order(alice.token, { address_id: addressId })).status).toBe(422)
  })

  it('takes an inline shipping_address in the seed’s shape, state and line2 optional', async () => {
    const alice = await customer()
    const res = await order(alice.token, { shipping_address: HOME })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      address_id: null,
      shipping_address: { ...HOME, line2: null, state: null },
    })
    const full = await order(alice.token, { shipping_address: WORK })
    expect(full.body.shipping_address).toEqual(WORK)
  })

  it('places an order without an address (it can be placed, not shipped)', async () => {
    const alice = await customer()
    const res = await order(alice.token, {})
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ address_id: null, shipping_address: null })
  })

  it('answers 400 naming the field for a bad inline address, or both address forms at once', async () => {
    const alice = await customer()
    const cases: [Record<string, unknown>, string][] = [
      [{ shipping_address: { ...HOME, city: 'Ly\u0000on' } }, 'shipping_address.city'],
      [{ shipping_address: { ...HOME, line1: '\ud800' } }, 'shipping_address.line1'],
      [{ shipping_address: { ...HOME, postal_code: undefined } }, 'shipping_address.postal_code'],
      [{ shipping_address: { ...HOME, planet: 'Earth' } }, 'shipping_address'],
      [{ shipping_address: HOME, address_id: crypto.randomUUID() }, 'address_id'],
      [{ address_id: 'a\u0000b' }, 'address_id'],
    ]
    for (const [extra, path] of cases) {
      const res = await order(alice.token, extra)
      expect({ path, status: res.status }).toEqual({ path, status: 400 })
      expect(res.body.errors[0].path).toBe(path)
    }
  })

  it('asks for an inline address when the announced one carried no fields', async () => {
    const alice = await customer()
    const addressId = crypto.randomUUID()
    await announce('user.address_added', { user_id: alice.id, address_id: addressId })
    const res = await order(alice.token, { address_id: addressId })
    expect(res.status).toBe(422)
    expect(res.body.detail).toContain('shipping_address')
  })
})
