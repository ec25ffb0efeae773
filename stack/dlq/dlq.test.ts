import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { PoisonMessageError } from '@shop/shared/kafka/errors'
import { createMemoryLogger } from '@shop/shared/log'
import { createTestKafka } from '@shop/shared/testing/kafka'
import { uniqueName } from '@shop/shared/testing/names'
import { testServers } from '@shop/shared/testing/servers'
import { waitFor } from '@shop/shared/testing/wait-for'

const ROOT = new URL('../..', import.meta.url).pathname
const ORDER_ID = '65a1b2c3d4e5f6a7b8c9d0e1'
const PRODUCT_ID = '65a1b2c3d4e5f6a7b8c9d0e2'

const kafka = createTestKafka('order', createMemoryLogger().log)
const prefix = kafka.physical('')
const groupId = uniqueName('dlq-test')

/** Runs `npm run dlq -- ...args` as a user would, against this test's own topics. */
async function dlq(...args: string[]) {
  const child = Bun.spawn([process.execPath, 'stack/dlq/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: testServers.kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: prefix },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  if (code !== 0) throw new Error(`dlq ${args.join(' ')} exited ${code}: ${stderr}`)
  return stdout
}

describe('npm run dlq', () => {
  let broken = true
  const applied: { id: string; correlationId?: string }[] = []
  let eventId = ''
  let stopConsumer: () => Promise<void> = async () => {}

  beforeAll(async () => {
    const consumer = await kafka.consume({
      groupId,
      topics: ['order.placed'],
      handle: async (event) => {
        if (broken) throw new PoisonMessageError('inventory cannot apply this order yet')
        applied.push({ id: event.id, correlationId: event.correlationId })
      },
    })
    stopConsumer = consumer.stop
    eventId = await kafka.publish(
      'order.placed',
      { order_id: ORDER_ID, user_id: crypto.randomUUID(), items: [{ product_id: PRODUCT_ID, quantity: 2 }] },
      { key: ORDER_ID, correlationId: 'req-dlq-test' },
    )
    const parked = await kafka.tap('order.placed.dlq')
    await waitFor(() => parked.messages.length > 0, { message: 'the message to be parked' })
    await parked.stop()
  })

  afterAll(async () => {
    await stopConsumer()
    await kafka.disconnect()
  })

  it('lists a parked message with its reason, ce_id and where it came from', async () => {
    const text = await dlq('list', 'order.placed')
    expect(text).toContain('order.placed.dlq: 1 parked message')
    expect(text).toContain(`ce_id ${eventId}`)
    expect(text).toContain('reason: inventory cannot apply this order yet')

    expect(text).toMatch(new RegExp(`from order\\.placed \\d+:\\d+ by ${groupId} `))
  })

  it('replays it onto its topic with the same ce_id and headers, without the dlq ones', async () => {
    broken = false
    const original = await kafka.tap('order.placed')
    const text = await dlq('replay', 'order.placed')
    expect(text).toContain('1 of 1 parked message(s) put back on order.placed')

    await waitFor(() => applied.length > 0, { message: 'the replayed message to be applied' })
    expect(applied).toEqual([{ id: eventId, correlationId: 'req-dlq-test' }])
    const copies = await waitFor(() => (original.messages.length >= 2 ? original.messages : undefined))
    await original.stop()
    const [first, replayed] = copies
    expect(replayed?.headers).toEqual(first?.headers ?? {})
    expect(replayed?.key).toBe(ORDER_ID)
    expect(Object.keys(replayed?.headers ?? {}).some((name) => name.startsWith('dlq_'))).toBe(false)
  })

  it('refuses a ce_id that is not parked, and an unknown topic', async () => {
    await expect(dlq('replay', 'order.placed', 'no-such-id')).rejects.toThrow(
      'not parked on order.placed.dlq',
    )
    await expect(dlq('list', 'order.nope')).rejects.toThrow('unknown topic order.nope')
  })
})
