import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHarness, type Harness } from './harness.ts'

const DAY_MS = 24 * 60 * 60 * 1000

describe('Idempotency-Key retention (IDEMPOTENCY_KEY_RETENTION_DAYS, 7 by default)', () => {
  let h: Harness
  let token: string
  let widget: string
  let clock = Date.now()

  beforeAll(async () => {
    h = await createHarness({ now: () => new Date(clock), idempotencyKeyRetentionDays: 7 })
    token = await h.tokenFor(crypto.randomUUID())
    widget = await h.createProduct({ quantity: 100 })
  })
  afterAll(() => h.stop())

  const items = () => [{ product_id: widget, quantity: 1 }]

  it('replays a retry made within the retention, after pruning has run', async () => {
    const first = await h.placeOrder(token, items(), 'key-kept')
    expect(first.status).toBe(201)
    clock += 6 * DAY_MS
    await h.workers?.prune()
    const retry = await h.placeOrder(token, items(), 'key-kept')
    expect(retry.status).toBe(200)
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true')
    expect(retry.body._id).toBe(first.body._id)
  })

  it('forgets a key older than the retention: the same request is then a new order', async () => {
    const first = await h.placeOrder(token, items(), 'key-forgotten')
    clock += 8 * DAY_MS
    expect(await h.workers?.prune()).toBeGreaterThanOrEqual(1)
    expect(await h.db.idempotencyKeys.countDocuments({ key: 'key-forgotten' })).toBe(0)
    const later = await h.placeOrder(token, items(), 'key-forgotten')
    expect(later.status).toBe(201)
    expect(later.body._id).not.toBe(first.body._id)
  })
})
