// Adds a new access-token signing key: `npm run rotate-key` (or `bun user/scripts/rotate-key.ts`) with the
// user service's DATABASE_URL. Running services sign with it within 30 s and keep publishing the old key
// until every token it signed has expired. A service started with JWT_PRIVATE_KEY ignores the database keys.
import { join } from 'node:path'
import { connectPostgres } from '@shop/shared/postgres/connect'
import { migrate } from '@shop/shared/postgres/migrate'
import { readRotateKeyEnv } from '../src/env.ts'
import { publishedForMs } from '../src/keys/key-ring.ts'
import { rotateSigningKey } from '../src/keys/rotate.ts'

const env = readRotateKeyEnv()
const sql = connectPostgres(env.DATABASE_URL, { max: 1 })
try {
  await migrate(sql, join(import.meta.dir, '..', 'migrations'))
  const rotation = await rotateSigningKey(sql)
  const until = new Date(rotation.retiredAt.getTime() + publishedForMs(env.ACCESS_TOKEN_TTL_SECONDS))
  process.stdout.write(
    `${JSON.stringify({
      level: 'info',
      msg: 'Signing key rotated',
      kid: rotation.kid,
      retired_kid: rotation.retiredKid,
      retired_key_published_until: rotation.retiredKid ? until.toISOString() : null,
    })}\n`,
  )
} finally {
  await sql.end({ timeout: 5 })
}
