import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import { join } from 'node:path'
import type { Collection } from 'mongodb'
import { createTestMongo } from '../testing/mongo.ts'
import { createDocumentLock, ensureLockCollection, LOCKS_COLLECTION } from './document-lock.ts'

setDefaultTimeout(30_000)

const CONTENDER = join(import.meta.dir, 'fixtures', 'lock-contender.ts')
const ROUNDS = 15

describe('the document lock on the real MongoDB-compatible server', () => {
  let mongo: Awaited<ReturnType<typeof createTestMongo>>
  let counters: Collection<{ _id: string; n: number }>
  beforeAll(async () => {
    mongo = await createTestMongo('lock')
    await ensureLockCollection(mongo.db)
    counters = mongo.db.collection('counters')
  })
  afterAll(() => mongo.drop())

  /** Runs two contender processes against the counter `id` from the same moment, and answers its final count. */
  async function contendInTwoProcesses(id: string, mode: 'locked' | 'unlocked') {
    await counters.insertOne({ _id: id, n: 0 })
    const children = [1, 2].map(() =>
      Bun.spawn([process.execPath, CONTENDER, mongo.url, id, String(ROUNDS), mode], {
        stdin: 'pipe',
        stdout: 'pipe',
        stderr: 'inherit',
      }),
    )
    await Promise.all(children.map((child) => child.stdout.getReader().read()))
    for (const child of children) {
      child.stdin.write('go\n')
      child.stdin.end()
    }
    expect(await Promise.all(children.map((child) => child.exited))).toEqual([0, 0])
    return (await counters.findOne({ _id: id }))?.n
  }

  it('keeps every read-modify-write of one document when two processes race for it', async () => {
    expect(await contendInTwoProcesses('two-processes', 'locked')).toBe(2 * ROUNDS)
    expect(await mongo.db.collection(LOCKS_COLLECTION).countDocuments()).toBe(0)
  })

  it('loses increments when the same two processes race without the lock (the race above is real)', async () => {
    expect(await contendInTwoProcesses('unlocked', 'unlocked')).toBeLessThan(2 * ROUNDS)
  })

  it('keeps every read-modify-write of one document when two lock instances in one process race', async () => {
    await counters.insertOne({ _id: 'two-instances', n: 0 })
    const locks = [createDocumentLock(mongo.db), createDocumentLock(mongo.db)]
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        locks[i % 2]?.run('two-instances', async () => {
          const doc = await counters.findOne({ _id: 'two-instances' })
          await counters.updateOne({ _id: 'two-instances' }, { $set: { n: (doc?.n ?? 0) + 1 } })
        }),
      ),
    )
    expect((await counters.findOne({ _id: 'two-instances' }))?.n).toBe(20)
    expect(await mongo.db.collection(LOCKS_COLLECTION).countDocuments()).toBe(0)
  })

  it('makes a second holder wait for the first and releases the lock when the holder throws', async () => {
    const lock = createDocumentLock(mongo.db)
    const order: string[] = []
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const first = lock.run('k', async () => {
      order.push('first in')
      await held
      order.push('first out')
      throw new Error('the write failed')
    })
    while (order.length === 0) await Bun.sleep(1)
    const second = lock.run('k', async () => order.push('second in'))
    const other = await lock.run('other-key', async () => 'not blocked')
    expect(other).toBe('not blocked')
    release()
    await expect(first).rejects.toThrow('the write failed')
    await second
    expect(order).toEqual(['first in', 'first out', 'second in'])
  })

  it('takes over a lock whose holder died mid-write once it has expired', async () => {
    const locks = mongo.db.collection<{ _id: string; token: string; expires_at: number }>(LOCKS_COLLECTION)
    await locks.insertOne({ _id: 'abandoned', token: 'dead-process', expires_at: Date.now() - 1 })
    const started = Date.now()
    expect(await createDocumentLock(mongo.db).run('abandoned', async () => 'got it')).toBe('got it')
    expect(Date.now() - started).toBeLessThan(1_000)
  })
})
