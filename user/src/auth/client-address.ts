import type { Context } from 'hono'

interface BunServerLike {
  requestIP?: (request: Request) => { address: string } | null
}

const MAX_LENGTH = 64
const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i

const normalise = (address: string) => {
  const trimmed = address.trim()
  return (IPV4_MAPPED.exec(trimmed)?.[1] ?? trimmed).slice(0, MAX_LENGTH)
}

export type ClientAddress = (c: Context) => string

/**
 * The caller's address for rate limiting. The gateway is the only way in (the service listens on loopback or
 * the compose network) and appends the address it saw to X-Forwarded-For (Caddy replaces the header when the
 * peer is not one of its trusted proxies), so the LAST entry is the one to believe: anything to its left came
 * from the client and can be made up. With proxies in front of the gateway, `trustedProxies` lists their
 * addresses: entries are read from the right, skipping those, and the first other one is the client.
 * Without the header, the socket's address; else 'unknown'.
 */
export function createClientAddress(trustedProxies: readonly string[] = []): ClientAddress {
  const trusted = new Set(trustedProxies.map(normalise))
  return (c) => {
    const chain = (c.req.header('X-Forwarded-For') ?? '').split(',').map(normalise).filter(Boolean)
    for (let i = chain.length - 1; i >= 0; i--) {
      const entry = chain[i] as string
      if (!trusted.has(entry) || i === 0) return entry
    }
    const server = c.env as BunServerLike | undefined
    const socket = server?.requestIP?.(c.req.raw)?.address
    return socket ? normalise(socket) : 'unknown'
  }
}
