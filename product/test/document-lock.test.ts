import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import { createTestMongo } from '@shop/shared/testing/mongo'
import { createDocumentLock, ensureLockCollection, LOCKS_COLLECTION } from '../src/storage/document-lock.ts'

setDefaultTimeout(30_000)

describe('the document lock on the real MongoDB-compatible server', () => {
  let mongo: Awaited<ReturnType<typeof createTestMongo>>
  beforeAll(async () => {
    mongo = await createTestMongo('lock')
    await ensureLockCollection(mongo.db)
  })
  afterAll(() => mongo.drop())

  it('keeps every read-modify-write of one document when holders in two "processes" race', async () => {
    const counters = mongo.db.collection<{ _id: string; n: number }>('counters')
    await counters.insertOne({ _id: 'c', n: 0 })
    const locks = [createDocumentLock(mongo.db), createDocumentLock(mongo.db)]
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        locks[i % 2]?.run('c', async () => {
          const doc = await counters.findOne({ _id: 'c' })
          await counters.updateOne({ _id: 'c' }, { $set: { n: (doc?.n ?? 0) + 1 } })
        }),
      ),
    )
    expect((await counters.findOne({ _id: 'c' }))?.n).toBe(20)
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
