import { expect } from 'bun:test'
import type { OrderView } from '../src/orders/model.ts'
import type { Harness } from './harness.ts'

export const ADDRESS = {
  line1: '1 Quay Street',
  city: 'Bristol',
  postal_code: 'BS1 4DJ',
  country: 'GB',
}

/** The road an order takes from CONFIRMED; any status on it is reached by the moves before it. */
const ROAD = ['PAID', 'PROCESSING', 'SHIPPED', 'DELIVERED'] as const

/**
 * Steps of the fulfilment tests: a customer who orders, an admin who moves orders, and inventory's answer
 * played by the harness.
 */
export function fulfilmentSteps(h: Harness, ids: { token: string; admin: string; productId: string }) {
  const move = (
    orderId: string,
    status: string,
    { token = ids.admin, method = 'PATCH', reason = undefined as string | undefined } = {},
  ) =>
    h.call(method, `/api/v1/orders/${orderId}/status`, {
      token,
      body: reason === undefined ? { status } : { status, reason },
    })

  const place = async ({ address = true } = {}) => {
    const res = await h.call('POST', '/api/v1/orders', {
      token: ids.token,
      body: {
        items: [{ product_id: ids.productId, quantity: 2 }],
        ...(address ? { shipping_address: ADDRESS } : {}),
      },
    })
    expect(res.status).toBe(201)
    return res.body._id as string
  }

  /** An order of the customer's in `status`, brought there the way the system would. */
  const orderIn = async (status: string, options: { address?: boolean } = {}): Promise<string> => {
    const orderId = await place(options)
    if (status === 'PENDING') return orderId
    if (status === 'REJECTED') {
      await h.reject(orderId, [], 'no stock')
      await h.waitForStatus(ids.token, orderId, 'REJECTED')
      return orderId
    }
    await h.reserve(orderId)
    await h.waitForStatus(ids.token, orderId, 'CONFIRMED')
    if (status === 'CANCELLED') {
      expect((await h.cancel(orderId, ids.token)).status).toBe(200)
      return orderId
    }
    const target = status === 'REFUNDED' ? 'DELIVERED' : status
    for (const next of ROAD.slice(0, ROAD.indexOf(target as (typeof ROAD)[number]) + 1)) {
      expect((await move(orderId, next)).status).toBe(200)
    }
    if (status === 'REFUNDED') expect((await move(orderId, 'REFUNDED')).status).toBe(200)
    return orderId
  }

  const statusOf = async (orderId: string): Promise<string> =>
    ((await h.getOrder(orderId, ids.token)) as OrderView).status

  return { move, place, orderIn, statusOf }
}
