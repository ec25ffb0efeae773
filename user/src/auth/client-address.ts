import type { Context } from 'hono'

interface BunServerLike {
  requestIP?: (request: Request) => { address: string } | null
}

const MAX_LENGTH = 64

/**
 * The caller's address for rate limiting: the first X-Forwarded-For entry (set by the gateway, which is the
 * only way in: the service listens on loopback or the compose network), else the socket's, else 'unknown'.
 */
export function clientAddress(c: Context): string {
  const forwarded = c.req.header('X-Forwarded-For')?.split(',')[0]?.trim()
  if (forwarded) return forwarded.slice(0, MAX_LENGTH)
  const server = c.env as BunServerLike | undefined
  return server?.requestIP?.(c.req.raw)?.address ?? 'unknown'
}
