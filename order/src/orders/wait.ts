import { sleep } from '@shop/shared/runtime/sleep'
import type { OrderDoc } from './model.ts'
import type { OrderStore } from './store.ts'

/** RFC 7240 `Prefer: wait=N` is honoured up to this many seconds; a larger N waits this long. */
export const MAX_WAIT_SECONDS = 10
/**
 * A woken waiter reads the order at once and, while it still reads PENDING (the replica that applied the
 * decision may not have written its projection yet), again after these pauses.
 */
const RECHECKS_AFTER_WAKE_MS = [25, 50, 100, 200, 400, 800]
/** Without a wake-up (a late one), the order is read at growing intervals up to this: each read is a store command. */
const FIRST_FALLBACK_MS = 1_000
const MAX_FALLBACK_MS = 2_000

/**
 * Requests waiting for an order to leave PENDING in this process. A decision applied here wakes them at once
 * (the store's onChange); one applied by another replica wakes them through this process's own consumer of
 * the decision topics, and, should that be late, the waiter reads the order again at growing intervals.
 */
export function createOrderWaiters() {
  const waiting = new Map<string, Set<() => void>>()
  return {
    notify(orderId: string) {
      for (const wake of waiting.get(orderId) ?? []) wake()
    },

    /** Resolves true when notified for this order, false after `ms`. */
    next(orderId: string, ms: number) {
      return new Promise<boolean>((resolve) => {
        const set = waiting.get(orderId) ?? new Set()
        waiting.set(orderId, set)
        const done = (woken: boolean) => {
          clearTimeout(timer)
          set.delete(wake)
          if (set.size === 0) waiting.delete(orderId)
          resolve(woken)
        }
        const wake = () => done(true)
        const timer = setTimeout(() => done(false), ms)
        set.add(wake)
      })
    },
  }
}

export type OrderWaiters = ReturnType<typeof createOrderWaiters>

/** The seconds a `Prefer` header asks to wait (capped), or undefined when it asks for no wait. */
export function preferredWait(header: string | undefined): number | undefined {
  if (!header) return undefined
  for (const preference of header.split(',')) {
    const match = /^\s*wait\s*=\s*"?(\d{1,6})"?\s*(;.*)?$/i.exec(preference)
    if (match) return Math.min(Number(match[1]), MAX_WAIT_SECONDS)
  }
  return undefined
}

/**
 * Answers as soon as the order is no longer PENDING, or after `seconds` with its state then. At the deadline
 * it reads the log itself (the truth), so a lagging projection cannot make it answer PENDING wrongly.
 */
export async function waitForDecision(
  { orders, waiters }: { orders: OrderStore; waiters: OrderWaiters },
  order: OrderDoc,
  seconds: number,
): Promise<OrderDoc> {
  const orderId = order._id.toHexString()
  const deadline = Date.now() + seconds * 1000
  const read = async () => (await orders.findById(order._id)) ?? current
  let current = order
  let fallback = FIRST_FALLBACK_MS
  while (current.status === 'PENDING') {
    const left = deadline - Date.now()
    if (left <= 0) return (await orders.findCurrent(order._id)) ?? current
    const woken = await waiters.next(orderId, Math.min(left, fallback))
    current = await read()
    if (!woken) {
      fallback = Math.min(fallback * 2, MAX_FALLBACK_MS)
      continue
    }
    for (const pause of RECHECKS_AFTER_WAKE_MS) {
      if (current.status !== 'PENDING' || Date.now() + pause >= deadline) break
      await sleep(pause)
      current = await read()
    }
  }
  return current
}
