import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { MongoServerError } from 'mongodb'
import { createTestMongo } from '../testing/mongo.ts'

describe('the MongoDB-compatible server through the official driver', () => {
  let mongo: Awaited<ReturnType<typeof createTestMongo>>
  beforeAll(async () => {
    mongo = await createTestMongo('ferret')
  })
  afterAll(() => mongo.drop())

  it('inserts, finds, and rejects a duplicate on a unique index with code 11000', async () => {
    const people = mongo.db.collection<{ email: string; name: string }>('people')
    await people.createIndex({ email: 1 }, { unique: true })
    await people.insertOne({ email: 'ada@example.com', name: 'Ada' })
    const found = await people.findOne({ email: 'ada@example.com' }, { projection: { _id: 0 } })
    expect(found as unknown).toEqual({ email: 'ada@example.com', name: 'Ada' })
    const duplicate = await people
      .insertOne({ email: 'ada@example.com', name: 'Eve' })
      .catch((error) => error)
    expect(duplicate).toBeInstanceOf(MongoServerError)
    expect(duplicate.code).toBe(11000)
    expect(await people.countDocuments()).toBe(1)
  })
})
