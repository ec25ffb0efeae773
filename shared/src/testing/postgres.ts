import { connectPostgres } from '../postgres/connect.ts'
import { uniqueName } from './names.ts'
import { testServers } from './servers.ts'

/** A database of its own for one test file, on the real server; `drop()` removes it. */
export async function createTestDatabase(prefix = 'test') {
  const name = uniqueName(prefix)
  const admin = connectPostgres(testServers.postgresUrl, { max: 1 })
  await admin.unsafe(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0`)
  const url = new URL(testServers.postgresUrl)
  url.pathname = `/${name}`
  const sql = connectPostgres(url.toString())
  return {
    name,
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 5 })
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.end({ timeout: 5 })
    },
  }
}
