import { isDuplicateKey } from '@shop/shared/mongo/errors'
import type { Collection } from 'mongodb'

/**
 * Who relays during one window of time: `_id` `relay:<window>`, where window = floor(epoch ms / lease ms).
 * The first process to insert it relays until the window ends; the others wait for the next one. An insert
 * against `_id` is the one write FerretDB applies atomically, so this never rests on an atomic update.
 */
export interface RelayLease {
  _id: string
  window: number
  owner: string
  at: Date
}

/** Short, since a holder that dies leaves its events waiting until the window ends (one insert a window). */
export const RELAY_LEASE_MS = 5_000

export function createRelayLease(
  leases: Collection<RelayLease>,
  { owner, leaseMs = RELAY_LEASE_MS }: { owner: string; leaseMs?: number },
) {
  return {
    leaseMs,
    /** How long before its window ends the holder takes the next one. */
    renewAheadMs: Math.min(1_000, leaseMs / 4),
    windowAt: (ms: number) => Math.floor(ms / leaseMs),
    endOf: (window: number) => (window + 1) * leaseMs,

    /** True when this process won the window. */
    async acquire(window: number) {
      try {
        await leases.insertOne({ _id: `relay:${window}`, window, owner, at: new Date() })
        return true
      } catch (error) {
        if (isDuplicateKey(error)) return false
        throw error
      }
    },

    /** Deletes the records of windows long past; returns how many. */
    async prune(beforeWindow: number) {
      const { deletedCount } = await leases.deleteMany({ window: { $lt: beforeWindow } })
      return deletedCount
    },
  }
}

export type RelayLeaseStore = ReturnType<typeof createRelayLease>
