import { MongoClient } from 'mongodb'
import { uniqueName } from './names.ts'
import { testServers } from './servers.ts'

/** A database of its own for one test file on the real MongoDB-compatible server; `drop()` removes it. */
export async function createTestMongo(prefix = 'test') {
  const name = uniqueName(prefix)
  const client = new MongoClient(`${testServers.mongoUrl}/${name}`, { serverSelectionTimeoutMS: 5_000 })
  await client.connect()
  const db = client.db(name)
  return {
    name,
    url: `${testServers.mongoUrl}/${name}`,
    client,
    db,
    async drop() {
      await db.dropDatabase().catch(() => undefined)
      await client.close()
    },
  }
}
