import { join } from 'node:path'
import { createMemoryLogger } from '@shop/shared/log'
import { applyOutboxSchema } from '@shop/shared/outbox/postgres-store'
import { migrate } from '@shop/shared/postgres/migrate'
import { createTestKafka } from '@shop/shared/testing/kafka'
import { uniqueName } from '@shop/shared/testing/names'
import { createTestDatabase } from '@shop/shared/testing/postgres'
import { createApp, type UserDeps } from '../src/app.ts'
import { createPasswords } from '../src/auth/passwords.ts'
import { openKeyRing } from '../src/keys/key-ring.ts'
import { bootstrapAdmin } from '../src/users/bootstrap-admin.ts'
import { createUserStore } from '../src/users/store.ts'

export const MIGRATIONS = join(import.meta.dir, '..', 'migrations')

/** Cheap argon2id for tests that are not about hashing cost; verification reads the cost from the hash. */
export const TEST_PASSWORD_COST = { memoryCost: 1024, timeCost: 1 }

/** The pruning settings main.ts uses by default. */
export const TEST_RETENTION = {
  loginWindowSeconds: 900,
  registrationWindowSeconds: 900,
  outboxRetentionHours: 24,
  accessTokenTtlSeconds: 900,
}

export const SEED_ADMIN = {
  email: 'admin@example.com',
  password: 'Admin123',
  first_name: 'Admin',
  last_name: 'User',
}

export type App = ReturnType<typeof createApp>

/** A database of this test file's own, migrated, with an app on it; `app()` builds more apps on the same data. */
export async function createHarness() {
  const db = await createTestDatabase('user')
  await migrate(db.sql, MIGRATIONS)
  await applyOutboxSchema(db.sql)
  const { log, entries } = createMemoryLogger('user')
  const kafka = createTestKafka('user', log)
  const keys = await openKeyRing({ sql: db.sql, tokenLifetimeSeconds: 15 * 60 })
  const base: UserDeps = { sql: db.sql, log, kafka, keys, passwordCost: TEST_PASSWORD_COST }
  const app = (overrides: Partial<UserDeps> = {}) => createApp({ ...base, ...overrides })
  const defaultApp = app()
  /** The admin that ADMIN_EMAIL/ADMIN_PASSWORD create at start-up, signed in. */
  const signedInAdmin = async () => {
    await bootstrapAdmin({
      users: createUserStore(db.sql),
      passwords: createPasswords(TEST_PASSWORD_COST),
      email: SEED_ADMIN.email,
      password: SEED_ADMIN.password,
      log,
    })
    const tokens = await login(defaultApp, SEED_ADMIN.email, SEED_ADMIN.password)
    const [row] = await db.sql<{ id: string }[]>`SELECT id FROM users WHERE email = ${SEED_ADMIN.email}`
    return { id: row?.id as string, token: tokens.access_token, tokens }
  }
  return { db, sql: db.sql, log, entries, kafka, keys, deps: base, app, defaultApp, signedInAdmin }
}

export type Harness = Awaited<ReturnType<typeof createHarness>>

interface CallOptions {
  json?: unknown
  form?: Record<string, string>
  token?: string
  headers?: Record<string, string>
}

/** One HTTP call through app.request, as a client would make it. */
export function call(app: App, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers }
  let body: string | undefined
  if (options.json !== undefined) {
    headers['Content-Type'] ??= 'application/json'
    body = JSON.stringify(options.json)
  } else if (options.form) {
    headers['Content-Type'] ??= 'application/x-www-form-urlencoded'
    body = new URLSearchParams(options.form).toString()
  }
  if (options.token) headers.Authorization = `Bearer ${options.token}`
  return app.request(path, { method, headers, body })
}

export const newEmail = () => `${uniqueName('u')}@example.com`

export const registration = (overrides: Record<string, unknown> = {}) => ({
  email: newEmail(),
  password: 'Passw0rd!',
  first_name: 'Ada',
  last_name: 'Lovelace',
  ...overrides,
})

export interface UserBody {
  id: string
  email: string
  role: 'customer' | 'admin'
  [field: string]: unknown
}

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
}

export async function register(app: App, overrides: Record<string, unknown> = {}) {
  const body = registration(overrides)
  const res = await call(app, 'POST', '/api/v1/auth/register', { json: body })
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`)
  return { ...((await res.json()) as UserBody), password: body.password }
}

export async function login(app: App, email: string, password: string, headers?: Record<string, string>) {
  const res = await call(app, 'POST', '/api/v1/auth/login', { json: { email, password }, headers })
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as TokenPair
}

/** A registered, signed-in user. */
export async function signedIn(app: App, overrides: Record<string, unknown> = {}) {
  const user = await register(app, overrides)
  return { user, tokens: await login(app, user.email, user.password) }
}
