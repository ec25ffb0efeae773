import type { Logger } from '../log.ts'

export interface AuthUser {
  id: string
  role: 'customer' | 'admin'
}

/** The Hono environment every service shares: what the middleware puts on the context. */
export interface AppEnv {
  Variables: {
    requestId: string
    log: Logger
    user: AuthUser
  }
}
