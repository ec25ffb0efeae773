import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createTestMongo } from '../testing/mongo.ts'
import { isDuplicateKey } from './errors.ts'

describe('isDuplicateKey', () => {
  let mongo: Awaited<ReturnType<typeof createTestMongo>>
  beforeAll(async () => {
    mongo = await createTestMongo('dupkey')
  })
  afterAll(() => mongo.drop())

  const failure = (write: Promise<unknown>) =>
    write.then(
      () => expect.unreachable(),
      (error: unknown) => error,
    )

  it('holds for an insert that collides with a unique index, and for an unordered insertMany of only collisions', async () => {
    const things = mongo.db.collection<{ _id: string }>('things')
    await things.insertMany([{ _id: 'a' }, { _id: 'b' }])
    expect(isDuplicateKey(await failure(things.insertOne({ _id: 'a' })))).toBe(true)
    const bulk = await failure(
      things.insertMany([{ _id: 'a' }, { _id: 'c' }, { _id: 'b' }], { ordered: false }),
    )
    expect(isDuplicateKey(bulk)).toBe(true)
    expect(await things.countDocuments()).toBe(3)
  })

  it('does not hold for an unordered insertMany that also failed for another reason', async () => {
    const things = mongo.db.collection<{ _id: unknown }>('mixed')
    await things.insertOne({ _id: 'a' })
    const bulk = await failure(things.insertMany([{ _id: 'a' }, { _id: [1, 2] }], { ordered: false }))
    expect(isDuplicateKey(bulk)).toBe(false)
    expect(isDuplicateKey(new Error('E11000 duplicate key'))).toBe(false)
  })
})
