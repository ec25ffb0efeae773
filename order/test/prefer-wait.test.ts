import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { preferredWait } from '../src/orders/wait.ts'
import { createHarness, type Harness } from './harness.ts'

/** Orders of this quantity get no answer from the stand-in inventory. */
const UNDECIDED = 7

describe('Prefer: wait=N on placing and reading an order', () => {
  let h: Harness
  let token: string
  let widget: string
  let stopInventory: () => Promise<void>

  beforeAll(async () => {
    h = await createHarness()
    token = await h.tokenFor(crypto.randomUUID())
    widget = await h.createProduct({ quantity: 100 })
    // Inventory answers every order at once, except those a test wants left PENDING (quantity 7).
    stopInventory = await h.autoDecide((placed) =>
      placed.items.some((item) => item.quantity === UNDECIDED) ? 'ignore' : 'reserve',
    )
  })
  afterAll(async () => {
    await stopInventory()
    await h.stop()
  })

  it('answers the POST once inventory has decided, with Preference-Applied', async () => {
    const startedAt = Date.now()
    const res = await h.placeOrder(token, [{ product_id: widget, quantity: 1 }], undefined, {
      Prefer: 'wait=5',
    })
    expect(res.status).toBe(201)
    expect(res.body.status).toBe('CONFIRMED')
    expect(res.headers.get('Preference-Applied')).toBe('wait=5')
    expect(Date.now() - startedAt).toBeLessThan(4_000)
  })

  it('answers GET with the current state after N seconds when nothing is decided', async () => {
    const id = (await h.placeOrder(token, [{ product_id: widget, quantity: UNDECIDED }])).body._id
    const startedAt = Date.now()
    const res = await h.call('GET', `/api/v1/orders/${id}`, { token, headers: { Prefer: 'wait=1' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('Preference-Applied')).toBe('wait=1')
    expect(res.body.status).toBe('PENDING')
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950)
  })

  it('changes nothing without the header, and caps the wait at 10 seconds', async () => {
    const placed = await h.placeOrder(token, [{ product_id: widget, quantity: 1 }])
    expect(placed.headers.get('Preference-Applied')).toBeNull()
    expect(placed.body.status).toBe('PENDING')
    await h.waitForStatus(token, placed.body._id, 'CONFIRMED')
    const capped = await h.call('GET', `/api/v1/orders/${placed.body._id}`, {
      token,
      headers: { Prefer: 'respond-async, wait=60' },
    })
    expect(capped.headers.get('Preference-Applied')).toBe('wait=10')
    expect(capped.body.status).toBe('CONFIRMED')
  })

  it('reads the preference as RFC 7240 writes it', () => {
    expect(preferredWait(undefined)).toBeUndefined()
    expect(preferredWait('respond-async')).toBeUndefined()
    expect(preferredWait('wait=3')).toBe(3)
    expect(preferredWait('handling=lenient, wait = "4"')).toBe(4)
    expect(preferredWait('wait=100')).toBe(10)
    expect(preferredWait('wait=-1')).toBeUndefined()
  })
})
