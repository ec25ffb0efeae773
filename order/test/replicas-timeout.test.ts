import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { uniqueName } from '@shop/shared/testing/names'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Harness } from './harness.ts'
import { type Replica, startReplica } from './replicas.ts'

describe('the decision timeout run by two order processes at once', () => {
  let h: Harness
  let replicas: Replica[] = []
  let token: string
  let widget: string

  beforeAll(async () => {
    h = await createHarness({ workers: false })
    widget = await h.createProduct({ quantity: 1000 })
    const groupId = uniqueName('order_timeouts')
    replicas = await Promise.all([
      startReplica(h, { groupId, decisionTimeoutSeconds: 1 }),
      startReplica(h, { groupId, decisionTimeoutSeconds: 1 }),
    ])
    token = await h.tokenFor(crypto.randomUUID())
  }, 90_000)
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()))
    await h?.stop()
  })

  it('rejects each undecided order once, with one order.cancelled', async () => {
    const cancelled = await h.tap('order.cancelled')
    const orderIds: string[] = []
    for (let i = 0; i < 10; i++) {
      const res = await (replicas[i % 2] as Replica).call('POST', '/api/v1/orders', {
        token,
        body: { items: [{ product_id: widget, quantity: 1 }] },
      })
      expect(res.status).toBe(201)
      orderIds.push(res.body._id)
    }
    const sends = (id: string) =>
      new Set(cancelled.messages.filter((m) => m.key === id).map((m) => `${m.partition}:${m.offset}`)).size
    await waitFor(() => orderIds.every((id) => sends(id) > 0), {
      timeoutMs: 20_000,
      message: 'an order.cancelled for every timed-out order',
    })
    for (const id of orderIds) {
      const events = await h.eventsOf(id)
      expect(events.map((event) => [event.status, event.reason])).toEqual([
        ['PENDING', null],
        ['REJECTED', 'timeout'],
      ])
      expect(sends(id)).toBe(1)
    }
    const rejecters = replicas.filter((replica) =>
      replica.lines.some((line) => String(line.msg).startsWith('Order rejected: no decision')),
    )
    console.log(`timeouts: 10 orders rejected once each; processes that rejected some: ${rejecters.length}`)
  }, 60_000)
})
