import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { uniqueName } from '@shop/shared/testing/names'
import { waitFor } from '@shop/shared/testing/wait-for'
import { ADDRESS } from './fulfilment-steps.ts'
import { createHarness, type Harness } from './harness.ts'
import { type Replica, startReplica } from './replicas.ts'

const ROUNDS = 20

/** Kafka messages per key, a message read twice by the tap (same partition and offset) counted once. */
const countByKey = (messages: { key: string | null; partition: number; offset: string }[]) => {
  const counts = new Map<string, number>()
  const seen = new Set<string>()
  for (const m of messages) {
    const at = `${m.partition}:${m.offset}`
    if (!m.key || seen.has(at)) continue
    seen.add(at)
    counts.set(m.key, (counts.get(m.key) ?? 0) + 1)
  }
  return counts
}

/**
 * Two real processes of the order service (Bun.spawn) on one store: the same fulfilment move sent to both
 * at once, and a customer's cancel on one racing an admin's shipment on the other. Each race has one
 * winner, and only the winner's event is published, once.
 */
describe('fulfilment moves racing across two order processes', () => {
  let h: Harness
  let a: Replica
  let b: Replica
  let token: string
  let admin: string
  let widget: string

  beforeAll(async () => {
    h = await createHarness({ workers: false })
    widget = await h.createProduct({ name: 'Widget', quantity: 1_000_000 })
    const groupId = uniqueName('order_fulfilment')
    ;[a, b] = await Promise.all([startReplica(h, { groupId }), startReplica(h, { groupId })])
    token = await h.tokenFor(crypto.randomUUID())
    admin = await h.tokenFor(crypto.randomUUID(), 'admin')
  }, 90_000)
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await h?.stop()
  })

  const move = (via: Replica, id: string, status: string) =>
    via.call('PATCH', `/api/v1/orders/${id}/status`, { token: admin, body: { status } })

  const confirmedOrder = async () => {
    const res = await a.call('POST', '/api/v1/orders/', {
      token,
      body: { items: [{ product_id: widget, quantity: 1 }], shipping_address: ADDRESS },
    })
    expect(res.status).toBe(201)
    const id = res.body._id as string
    await h.reserve(id)
    await waitFor(
      async () => (await b.call('GET', `/api/v1/orders/${id}`, { token })).body.status === 'CONFIRMED',
    )
    return id
  }

  it(`has one winner per race and publishes only the winner's event, once (${ROUNDS} orders)`, async () => {
    const [paid, shipped, cancelled] = await Promise.all([
      h.tap('order.paid'),
      h.tap('order.shipped'),
      h.tap('order.cancelled'),
    ])
    const winners = new Map<string, 'SHIPPED' | 'CANCELLED'>()
    for (let round = 0; round < ROUNDS; round++) {
      const id = await confirmedOrder()
      const pays = await Promise.all([move(a, id, 'PAID'), move(b, id, 'PAID')])
      expect(pays.map((res) => res.status).sort()).toEqual([200, 409])
      expect((await move(round % 2 ? a : b, id, 'PROCESSING')).status).toBe(200)
      const [cancel, ship] = await Promise.all([
        (round % 2 ? a : b).call('POST', `/api/v1/orders/${id}/cancel`, { token }),
        move(round % 2 ? b : a, id, 'SHIPPED'),
      ])
      expect([cancel.status, ship.status].sort()).toEqual([200, 409])
      winners.set(id, cancel.status === 200 ? 'CANCELLED' : 'SHIPPED')
    }
    const ids = [...winners.keys()]
    const finalTopic = (id: string) => (winners.get(id) === 'SHIPPED' ? shipped : cancelled)
    await waitFor(
      () =>
        ids.every((id) => countByKey(paid.messages).has(id) && countByKey(finalTopic(id).messages).has(id)),
      { timeoutMs: 30_000, message: "each order's order.paid and its winner's event" },
    )
    // A later order's events show both relays have passed anything a loser could have written.
    const later = await confirmedOrder()
    await move(b, later, 'PAID')
    await a.call('POST', `/api/v1/orders/${later}/cancel`, { token })
    await waitFor(() => countByKey(cancelled.messages).has(later), { timeoutMs: 30_000 })

    const counts = {
      paid: countByKey(paid.messages),
      shipped: countByKey(shipped.messages),
      cancelled: countByKey(cancelled.messages),
    }
    for (const [id, winner] of winners) {
      expect(counts.paid.get(id)).toBe(1)
      expect(counts.shipped.get(id)).toBe(winner === 'SHIPPED' ? 1 : undefined)
      expect(counts.cancelled.get(id)).toBe(winner === 'CANCELLED' ? 1 : undefined)
      const seen = await a.call('GET', `/api/v1/orders/${id}`, { token })
      expect(seen.body.status).toBe(winner)
      expect(seen.body.history.filter((entry: { status: string }) => entry.status === 'PAID')).toHaveLength(1)
    }
    const shippedFirst = [...winners.values()].filter((w) => w === 'SHIPPED').length
    console.log(
      `fulfilment races: ${ROUNDS} orders, ${shippedFirst} shipped first, ${ROUNDS - shippedFirst} cancelled first`,
    )
  }, 120_000)
})
