import type { AuthUser } from '@shop/shared/http/app-env'
import { ConflictError } from '@shop/shared/http/errors'
import { outboxMessage } from '@shop/shared/outbox/message'
import { insertOutbox } from '@shop/shared/outbox/postgres-store'
import type { Sql } from '@shop/shared/postgres/connect'

export type Role = AuthUser['role']

export interface UserRow {
  id: string
  email: string
  password_hash: string
  first_name: string
  last_name: string
  phone: string | null
  role: Role
  is_active: boolean
  created_at: Date
  updated_at: Date
}

export interface NewUser {
  email: string
  password_hash: string
  first_name: string
  last_name: string
  phone: string | null
  role: Role
}

export interface ProfileChanges {
  first_name?: string
  last_name?: string
  phone?: string | null
}

const COLUMNS = [
  'id',
  'email',
  'password_hash',
  'first_name',
  'last_name',
  'phone',
  'role',
  'is_active',
  'created_at',
  'updated_at',
]

export const EMAIL_TAKEN = 'An account with this email already exists'

const isUniqueViolation = (error: unknown) => (error as { code?: string })?.code === '23505'

export type UserStore = ReturnType<typeof createUserStore>

export function createUserStore(sql: Sql) {
  const columns = sql(COLUMNS)
  return {
    /** Inserts the user and its user.created event in one transaction: both commit, or neither. */
    async create(user: NewUser, correlationId: string | null): Promise<UserRow> {
      try {
        return await sql.begin(async (tx) => {
          const [row] = await tx<UserRow[]>`
            INSERT INTO users (email, password_hash, first_name, last_name, phone, role)
            VALUES (${user.email}, ${user.password_hash}, ${user.first_name}, ${user.last_name},
                    ${user.phone}, ${user.role})
            RETURNING ${columns}`
          if (!row) throw new Error('INSERT … RETURNING gave no row')
          const event = {
            user_id: row.id,
            email: row.email,
            first_name: row.first_name,
            last_name: row.last_name,
            created_at: row.created_at.toISOString(),
          }
          await insertOutbox(tx, outboxMessage('user.created', event, { key: row.id, correlationId }))
          return row
        })
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(EMAIL_TAKEN)
        throw error
      }
    },

    async findByEmail(email: string) {
      const [row]: [UserRow?] = await sql`SELECT ${columns} FROM users WHERE lower(email) = ${email}`
      return row
    },

    async findById(id: string) {
      const [row]: [UserRow?] = await sql`SELECT ${columns} FROM users WHERE id = ${id}`
      return row
    },

    async update(id: string, changes: ProfileChanges) {
      const fields = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined))
      const [row]: [UserRow?] = await sql`
        UPDATE users SET ${sql(fields)}, updated_at = now() WHERE id = ${id} RETURNING ${columns}`
      return row
    },

    async setActive(id: string, isActive: boolean) {
      const [row]: [UserRow?] = await sql`
        UPDATE users SET is_active = ${isActive}, updated_at = now() WHERE id = ${id} RETURNING ${columns}`
      return row
    },

    async setPasswordHash(id: string, passwordHash: string) {
      await sql`UPDATE users SET password_hash = ${passwordHash}, updated_at = now() WHERE id = ${id}`
    },

    async anyAdmin() {
      const [row]: [{ id: string }?] = await sql`SELECT id FROM users WHERE role = 'admin' LIMIT 1`
      return row !== undefined
    },

    async setRole(id: string, role: Role) {
      const [row]: [UserRow?] = await sql`
        UPDATE users SET role = ${role}, updated_at = now() WHERE id = ${id} RETURNING ${columns}`
      return row
    },
  }
}
