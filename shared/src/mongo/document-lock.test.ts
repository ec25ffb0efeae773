import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Collection } from 'mongodb'
import { createTestMongo } from '../testing/mongo.ts'
import { documentKey, withDocumentLock } from './document-lock.ts'

interface Counter {
  _id: string
  version: number
  hits: number
}

describe('per-document write queue', () => {
  let mongo: Awaited<ReturnType<typeof createTestMongo>>
  let counters: Collection<Counter>
  beforeAll(async () => {
    mongo = await createTestMongo('lock')
    counters = mongo.db.collection<Counter>('counters')
  })
  afterAll(() => mongo.drop())

  it('makes concurrent guarded updates of one document a compare-and-set: exactly one wins', async () => {
    await counters.insertOne({ _id: 'c1', version: 0, hits: 0 })
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        withDocumentLock(documentKey(counters, 'c1'), () =>
          counters.updateOne({ _id: 'c1', version: 0 }, { $set: { version: 1 }, $inc: { hits: 1 } }),
        ),
      ),
    )
    expect(results.map((result) => result.modifiedCount).reduce((a, b) => a + b)).toBe(1)
    expect(await counters.findOne({ _id: 'c1' })).toEqual({ _id: 'c1', version: 1, hits: 1 })
  })

  it('loses no increment among concurrent writers of one document', async () => {
    await counters.insertOne({ _id: 'c2', version: 0, hits: 0 })
    await Promise.all(
      Array.from({ length: 20 }, () =>
        withDocumentLock(documentKey(counters, 'c2'), () =>
          counters.updateOne({ _id: 'c2' }, { $inc: { hits: 1 } }),
        ),
      ),
    )
    expect((await counters.findOne({ _id: 'c2' }))?.hits).toBe(20)
  })

  it('lets writes to different documents run side by side and goes on after a failed write', async () => {
    const order: string[] = []
    const failing = withDocumentLock('k', async () => {
      order.push('a')
      throw new Error('write failed')
    }).catch(() => order.push('a failed'))
    const next = withDocumentLock('k', async () => order.push('b'))
    await Promise.all([failing, next])
    expect(order).toEqual(['a', 'a failed', 'b'])
  })
})
