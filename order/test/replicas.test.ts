import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { uniqueName } from '@shop/shared/testing/names'
import { waitFor } from '@shop/shared/testing/wait-for'
import { createHarness, type Harness } from './harness.ts'
import { type Replica, startReplica } from './replicas.ts'

/**
 * Two real processes of the order service (Bun.spawn) on one database, one outbox and one consumer group,
 * with a short relay lease (2 s windows) so a killed holder is replaced quickly. This process only plays
 * the product and inventory services and reads the topics.
 */
describe('two order processes on one store and one outbox', () => {
  let h: Harness
  let a: Replica
  let b: Replica
  let token: string
  let widget: string

  beforeAll(async () => {
    h = await createHarness({ workers: false })
    widget = await h.createProduct({ name: 'Widget', quantity: 1_000_000 })
    const groupId = uniqueName('order_replicas')
    ;[a, b] = await Promise.all([
      startReplica(h, { groupId, relayLeaseMs: 2_000 }),
      startReplica(h, { groupId, relayLeaseMs: 2_000 }),
    ])
    token = await h.tokenFor(crypto.randomUUID())
  }, 90_000)
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await h?.stop()
  })

  const place = async (via: Replica) => {
    const res = await via.call('POST', '/api/v1/orders/', {
      token,
      body: { items: [{ product_id: widget, quantity: 1 }] },
    })
    expect(res.status).toBe(201)
    return res.body._id as string
  }

  /** Sends per order id; a message the tap read twice (same partition and offset) is one send. */
  const publishedOnce = (
    messages: { key: string | null; partition: number; offset: string }[],
    ids: string[],
  ) => {
    const counts = new Map<string, number>()
    const seen = new Set<string>()
    for (const m of messages) {
      const at = `${m.partition}:${m.offset}`
      if (!m.key || seen.has(at)) continue
      seen.add(at)
      counts.set(m.key, (counts.get(m.key) ?? 0) + 1)
    }
    return {
      missing: ids.filter((id) => !counts.has(id)),
      duplicated: ids.filter((id) => (counts.get(id) ?? 0) > 1).length,
    }
  }

  it('races a cancel on one process against the reservation 100 times: every order CANCELLED, its order.cancelled published', async () => {
    const cancelled = await h.tap('order.cancelled')
    const orderIds: string[] = []
    for (let i = 0; i < 100; i++) {
      const [placer, canceller] = i % 2 ? [a, b] : [b, a]
      const id = await place(placer)
      const [res] = await Promise.all([
        canceller.call('POST', `/api/v1/orders/${id}/cancel`, { token }),
        h.reserve(id),
      ])
      expect(res.status).toBe(200)
      orderIds.push(id)
    }
    await waitFor(() => publishedOnce(cancelled.messages, orderIds).missing.length === 0, {
      timeoutMs: 30_000,
      message: 'an order.cancelled for every order',
    })
    let confirmedFirst = 0
    for (const id of orderIds) {
      const events = await waitFor(
        async () => {
          const all = await h.eventsOf(id)
          return all.every((event) => !event.pending) && all
        },
        { message: `every event of ${id} published`, timeoutMs: 30_000 },
      )
      const statuses = events.map((event) => event.status)
      expect(statuses.at(-1)).toBe('CANCELLED')
      expect(statuses.filter((status) => status === 'CANCELLED')).toHaveLength(1)
      if (statuses.includes('CONFIRMED')) confirmedFirst++
      const seen = await waitFor(
        async () => {
          const res = await a.call('GET', `/api/v1/orders/${id}`, { token })
          if (res.body.status !== 'CANCELLED')
            throw new Error(`GET shows ${JSON.stringify(res.body.history)}`)
          return res.body
        },
        { message: `order ${id} to show CANCELLED`, timeoutMs: 5_000 },
      )
      expect(seen.history.map((entry: { status: string }) => entry.status)).toEqual(statuses)
    }
    const { duplicated } = publishedOnce(cancelled.messages, orderIds)
    console.log(
      `cancel/reservation race: 100 orders, ${confirmedFirst} confirmed before the cancel, ${duplicated} order.cancelled sent twice`,
    )
  }, 150_000)

  it('publishes every order.placed from two relays, none lost', async () => {
    const placed = await h.tap('order.placed')
    const orderIds: string[] = []
    const started = Date.now()
    // Across a few lease windows: the holder takes each next one ahead of time, so the relay stays put.
    for (let round = 0; Date.now() - started < 5_000 || round < 10; round++) {
      orderIds.push(...(await Promise.all([place(a), place(b), place(a), place(b)])))
    }
    await waitFor(() => publishedOnce(placed.messages, orderIds).missing.length === 0, {
      timeoutMs: 30_000,
      message: 'an order.placed for every order',
    })
    const holders = [a, b].filter((replica) =>
      replica.lines.some((line) => line.msg === 'Order relay holds the lease'),
    )
    expect(holders.length).toBeGreaterThanOrEqual(1)
    const { duplicated } = publishedOnce(placed.messages, orderIds)
    // A duplicate is allowed (consumers dedupe by ce_id): it happens when a stalled holder loses its lease
    // in the middle of a batch. Reported, not asserted, since it depends on the machine's load.
    console.log(
      `two relays: ${orderIds.length} orders, all published, ${duplicated} sent twice, relays that held the lease: ${holders.length}`,
    )
  }, 60_000)

  it('answers Prefer: wait on the process that did not apply the decision, as soon as it is applied', async () => {
    for (let i = 0; i < 6; i++) {
      const id = await place(a)
      const waiting = (replica: Replica) =>
        replica.call('GET', `/api/v1/orders/${id}`, { token, headers: { Prefer: 'wait=8' } })
      const startedAt = Date.now()
      const answers = Promise.all([waiting(a), waiting(b)])
      await h.reserve(id)
      const [fromA, fromB] = await answers
      const elapsed = Date.now() - startedAt
      for (const res of [fromA, fromB]) {
        expect(res.status).toBe(200)
        expect(res.body.status).toBe('CONFIRMED')
        expect(res.headers.get('Preference-Applied')).toBe('wait=8')
      }
      expect(elapsed).toBeLessThan(5_000)
      const appliers = await waitFor(() => {
        const found = [a, b].filter((r) => r.lines.some((line) => line.msg === `Order confirmed: ${id}`))
        return found.length > 0 && found
      })
      // One process applied it; the other answered from what it heard and read.
      expect(appliers).toHaveLength(1)
    }
  }, 60_000)

  it('keeps publishing when the process holding the relay is killed', async () => {
    const placed = await h.tap('order.placed')
    const orderIds = [await place(a), await place(b)]
    await waitFor(() => publishedOnce(placed.messages, orderIds).missing.length === 0)
    const leaseLines = (replica: Replica) =>
      replica.lines.filter(
        (line) => String(line.msg).startsWith('Order relay') && String(line.msg).includes('lease'),
      )
    const holds = (replica: Replica) => leaseLines(replica).at(-1)?.msg === 'Order relay holds the lease'
    const holder = holds(a) ? a : b
    const survivor = holder === a ? b : a
    await holder.kill()
    for (let i = 0; i < 20; i++) orderIds.push(await place(survivor))
    await waitFor(() => publishedOnce(placed.messages, orderIds).missing.length === 0, {
      timeoutMs: 15_000,
      message: 'the surviving process to publish every order.placed',
    })
    expect(holds(survivor)).toBe(true)
  }, 60_000)
})
