import { ConflictError } from '@shop/shared/http/errors'
import type { Logger } from '@shop/shared/log'
import type { Passwords } from '../auth/passwords.ts'
import type { UserStore } from './store.ts'

export type BootstrapOutcome = 'created' | 'admin-exists' | 'email-taken' | 'created-elsewhere'

/**
 * ADMIN_EMAIL and ADMIN_PASSWORD at start-up: when no admin exists, an admin account with them is created.
 * Nobody becomes admin by registering, so an account that already holds the email (a customer who registered
 * it first) is never promoted. Processes starting at once both try the insert; the unique email index lets
 * one win, and the other finds the account made.
 */
export async function bootstrapAdmin({
  users,
  passwords,
  email,
  password,
  log,
}: {
  users: UserStore
  passwords: Passwords
  email: string
  password: string
  log: Logger
}): Promise<BootstrapOutcome> {
  if (await users.anyAdmin()) return 'admin-exists'
  if (await users.findByEmail(email)) {
    log.warn('ADMIN_EMAIL belongs to an account that is not an admin; it is not promoted', { email })
    return 'email-taken'
  }
  const account = {
    email,
    password_hash: await passwords.hash(password),
    first_name: 'Admin',
    last_name: 'User',
    phone: null,
    role: 'admin' as const,
  }
  try {
    const admin = await users.create(account, null)
    log.info('Admin account created from ADMIN_EMAIL', { user_id: admin.id, email })
    return 'created'
  } catch (error) {
    if (error instanceof ConflictError) return 'created-elsewhere'
    throw error
  }
}
