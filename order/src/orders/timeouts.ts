import type { Logger } from '@shop/shared/log'
import { outboxMessage } from '@shop/shared/outbox/message'
import type { PeriodicTask } from '@shop/shared/runtime/periodic'
import { itemRefs } from './cancel-order.ts'
import type { OrderStore } from './store.ts'

export const TIMEOUT_REASON = 'timeout'
/** Overdue orders handled per round; the next round takes the rest. */
const ROUND_LIMIT = 200

/**
 * No order stays PENDING: one placed more than `timeoutSeconds` ago without a decision becomes REJECTED with
 * reason `timeout`, and an order.cancelled goes out so inventory releases whatever it reserved (a reservation
 * still in flight is released by inventory's cancel-before-place path). Every replica may run this: the seq
 * insert lets one of them move each order, and a decision that lands first simply wins.
 */
export function decisionTimeoutTask({
  orders,
  timeoutSeconds,
  now,
  log,
  wakeRelay,
}: {
  orders: OrderStore
  timeoutSeconds: number
  now: () => Date
  log: Logger
  wakeRelay: () => void
}): PeriodicTask {
  return {
    name: 'order-decision-timeout',
    async run() {
      const at = now()
      const overdue = await orders.findOverdue(new Date(at.getTime() - timeoutSeconds * 1000), ROUND_LIMIT)
      let rejected = 0
      for (const order of overdue) {
        const id = order._id.toHexString()
        const moved = await orders.transitionFrom(order, {
          from: ['PENDING'],
          to: 'REJECTED',
          at,
          reason: TIMEOUT_REASON,
          message: outboxMessage(
            'order.cancelled',
            { order_id: id, items: itemRefs(order) },
            { key: id, correlationId: null },
          ),
        })
        if (!moved) continue
        rejected++
        log.warn(`Order rejected: no decision within ${timeoutSeconds} s`, { order_id: id })
      }
      if (rejected > 0) wakeRelay()
      return rejected
    },
  }
}

/** How often the timeout task looks: a quarter of the timeout, between 100 ms and 5 s. */
export const timeoutIntervalMs = (timeoutSeconds: number) =>
  Math.min(5_000, Math.max(100, (timeoutSeconds * 1000) / 4))
