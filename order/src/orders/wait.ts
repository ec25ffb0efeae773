import { applyEvent, type OrderEvent } from './event-log.ts'
import type { OrderDoc } from './model.ts'
import type { OrderStore } from './store.ts'

/** RFC 7240 `Prefer: wait=N` is honoured up to this many seconds; a larger N waits this long. */
export const MAX_WAIT_SECONDS = 10
/**
 * A waiter that heard of the decision on Kafka but not from this process's store reads the order after
 * these pauses while it still reads PENDING (the replica that applied it may not have written it yet).
 */
const RECHECKS_AFTER_WAKE_MS = [50, 100, 200, 400, 800]
/**
 * Without a wake-up (a late one), the order is read at growing intervals up to this. Each read is a store
 * command that scans a collection on FerretDB, and they come when the system is slow already: few.
 */
const FIRST_FALLBACK_MS = 2_000
const MAX_FALLBACK_MS = 4_000

/** How a wait ended: woken (with the event, when this process wrote it) or timed out. */
interface Wake {
  woken: boolean
  event?: OrderEvent
}

/**
 * Requests waiting for an order to leave PENDING in this process. A decision applied here wakes them at once
 * with its event (the store's onChange), which the waiter applies without reading the store; one applied by
 * another replica wakes them through this process's own consumer of the decision topics, and, should that
 * be late, the waiter reads the order again at growing intervals.
 */
export function createOrderWaiters() {
  const waiting = new Map<string, Set<(event?: OrderEvent) => void>>()
  return {
    notify(orderId: string, event?: OrderEvent) {
      for (const wake of waiting.get(orderId) ?? []) wake(event)
    },

    /** Resolves when notified for this order, or after `ms`. */
    next(orderId: string, ms: number) {
      return new Promise<Wake>((resolve) => {
        const set = waiting.get(orderId) ?? new Set()
        waiting.set(orderId, set)
        const done = (wake: Wake) => {
          clearTimeout(timer)
          set.delete(onWake)
          if (set.size === 0) waiting.delete(orderId)
          resolve(wake)
        }
        const onWake = (event?: OrderEvent) => done({ woken: true, event })
        const timer = setTimeout(() => done({ woken: false }), ms)
        set.add(onWake)
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
  /** Set once a decision was heard of on Kafka: then reads follow RECHECKS_AFTER_WAKE_MS. */
  let recheck: number | undefined
  let fallback = FIRST_FALLBACK_MS
  while (current.status === 'PENDING') {
    const left = deadline - Date.now()
    if (left <= 0) return (await orders.findCurrent(order._id)) ?? current
    const pause = recheck === undefined ? fallback : (RECHECKS_AFTER_WAKE_MS[recheck] ?? MAX_FALLBACK_MS)
    // Listening all along: the decision written here arrives with its event, and costs no read at all.
    const { woken, event } = await waiters.next(orderId, Math.min(left, pause))
    if (event?.seq === current.version + 1) {
      current = applyEvent(current, event)
      continue
    }
    if (woken && recheck === undefined) {
      // Heard of on Kafka: this process's own consumer may be about to apply it (then its event wakes us),
      // or another replica is: read after the first short pause.
      recheck = 0
      continue
    }
    current = await read()
    if (recheck === undefined) fallback = Math.min(fallback * 2, MAX_FALLBACK_MS)
    else recheck++
  }
  return current
}
