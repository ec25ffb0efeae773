import { connectMongo } from '@shop/shared/mongo/connect'
import { connectPostgres } from '@shop/shared/postgres/connect'
import { type Service, serviceEnv } from './stack.ts'

/**
 * Documents per collection and rows per table of each service's store, read from the stores the stack's
 * env files name (FerretDB reads every collection by table scan, so its sizes matter to every figure).
 */
export async function storeSizes(): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {}
  for (const service of ['product', 'order', 'inventory', 'user'] as Service[]) {
    const env = await serviceEnv(service)
    try {
      if (env.MONGO_URL) {
        const { client, db } = await connectMongo(env.MONGO_URL, {
          telemetry: null,
          serverSelectionTimeoutMS: 3_000,
        })
        try {
          for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
            sizes[`${db.databaseName}.${name}`] = await db.collection(name).countDocuments()
          }
        } finally {
          await client.close()
        }
      } else if (env.DATABASE_URL) {
        const sql = connectPostgres(env.DATABASE_URL, { max: 1 })
        try {
          const database = new URL(env.DATABASE_URL).pathname.slice(1)
          const tables = await sql<{ schema: string; name: string }[]>`
            SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
              AND table_schema NOT LIKE 't\\_%'`
          for (const { schema, name } of tables) {
            const [row] = await sql<
              { n: number }[]
            >`SELECT count(*)::int AS n FROM ${sql(schema)}.${sql(name)}`
            sizes[`${database}.${schema === 'public' ? '' : `${schema}.`}${name}`] = row?.n ?? 0
          }
        } finally {
          await sql.end()
        }
      }
    } catch (error) {
      sizes[`${service} (not read: ${(error as Error).message})`] = -1
    }
  }
  return sizes
}
