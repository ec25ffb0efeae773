import { type Operation, openApiDocument } from '@shop/shared/docs/openapi'
import { z } from 'zod'
import {
  ChangeStatus,
  IdempotencyHeader,
  ListOrdersQuery,
  OrderIdParam,
  OrderResponse,
  PlaceOrder,
  UserIdParam,
  UserOrdersQuery,
} from './orders/schemas.ts'
import { MAX_WAIT_SECONDS } from './orders/wait.ts'

const prefer = z
  .string()
  .regex(/^wait=\d+$/)
  .optional()
  .describe(
    `RFC 7240 \`wait=N\`: answer once the order is decided (no longer PENDING), or after N seconds ` +
      `(at most ${MAX_WAIT_SECONDS}) with its state then. Answered with \`Preference-Applied: wait=N\`.`,
  )

/** What the routes read from headers, under the names clients send (the validator sees them lower-cased). */
const PlaceHeaders = z.object({
  'Idempotency-Key': IdempotencyHeader.shape['idempotency-key'].describe(
    'Per user, kept for a retention period: the same key and items answer 200 with the original order; ' +
      'a different body with it is a 409',
  ),
  Prefer: prefer,
})
const WaitHeaders = z.object({ Prefer: prefer })

// The walk-through: two Premium Smartphones, placed PENDING, then CONFIRMED once inventory reserved them.
const productId = '65f1c2a9e4b0a1b2c3d4e5f6'
const orderId = '65f1c2b0e4b0a1b2c3d4e5f7'
const placed = {
  _id: orderId,
  user_id: '0b6f1d0e-7c1a-4f5e-9d2b-3a4c5d6e7f80',
  items: [{ product_id: productId, name: 'Premium Smartphone', unit_price: 999.99, quantity: 2 }],
  total: 1999.98,
  status: 'PENDING',
  reason: null,
  address_id: null,
  shipping_address: null,
  history: [{ status: 'PENDING', at: '2026-12-01T12:00:01.000Z' }],
  created_at: '2026-12-01T12:00:01.000Z',
  updated_at: '2026-12-01T12:00:01.000Z',
}
const confirmed = {
  ...placed,
  status: 'CONFIRMED',
  history: [...placed.history, { status: 'CONFIRMED', at: '2026-12-01T12:00:01.200Z' }],
  updated_at: '2026-12-01T12:00:01.200Z',
}
const cancelled = {
  ...confirmed,
  status: 'CANCELLED',
  history: [...confirmed.history, { status: 'CANCELLED', at: '2026-12-01T12:05:00.000Z' }],
  updated_at: '2026-12-01T12:05:00.000Z',
}
const tag = 'Orders'
const paged = { 'X-Total-Count': 'How many orders match, whatever the page' }
const waited = {
  'Preference-Applied': '`wait=N` when the request asked for it',
  Vary: '`Prefer` when the request asked for it',
}

const statusChange = (method: 'patch' | 'put'): Operation => ({
  method,
  path: '/api/v1/orders/{id}/status',
  tag,
  auth: 'admin',
  summary: `Move an order along fulfilment (PAID, PROCESSING, SHIPPED, DELIVERED, REFUNDED)${
    method === 'put' ? ' — the seed’s PUT, same as PATCH' : ''
  }`,
  description: 'Emits order.paid, order.shipped, … A move the order cannot make from where it is is a 409.',
  params: OrderIdParam,
  body: ChangeStatus,
  bodyExample: { status: 'PAID', reason: 'Card payment captured' },
  responses: { 200: { description: 'The order', schema: OrderResponse } },
  errors: [404, 409, 503],
})

const cancellation = (method: 'post' | 'delete', path: string, summary: string): Operation => ({
  method,
  path,
  tag,
  auth: 'user',
  summary,
  description:
    'The owner (or an admin) cancels until the goods ship; emits order.cancelled and inventory puts the ' +
    'stock back. REJECTED, CANCELLED, SHIPPED and later are a 409.',
  params: OrderIdParam,
  responses: { 200: { description: 'The cancelled order', schema: OrderResponse, example: cancelled } },
  errors: [404, 409, 503],
})

export const operations: Operation[] = [
  {
    method: 'post',
    path: '/api/v1/orders/',
    tag,
    auth: 'user',
    summary: 'Place an order (emits order.placed; inventory then confirms or rejects it)',
    description:
      'Answered PENDING at once, or decided with `Prefer: wait=N`. `user_id` may be sent and must be the ' +
      'caller’s own unless the caller is an admin. A `price` sent per item must still be the current one ' +
      '(409). Known short stock is a 409 at once; an unknown product a 422.',
    headers: PlaceHeaders,
    body: PlaceOrder,
    bodyExample: { items: [{ product_id: productId, quantity: 2 }] },
    responses: {
      201: {
        description: 'The new order',
        schema: OrderResponse,
        headers: { Location: 'Its URL', ...waited },
        example: placed,
      },
      200: {
        description: 'A replay of the same Idempotency-Key and body: the original order',
        schema: OrderResponse,
        headers: { Location: 'Its URL', 'Idempotent-Replayed': '`true`', ...waited },
        example: confirmed,
      },
    },
    errors: [403, 409, 422, 503],
  },
  {
    method: 'get',
    path: '/api/v1/orders/',
    tag,
    auth: 'user',
    summary: 'List orders, newest first: a customer’s own; an admin’s all, or one user’s with `user_id`',
    query: ListOrdersQuery,
    responses: {
      200: {
        description: 'A page of orders',
        schema: z.array(OrderResponse),
        headers: paged,
        example: [confirmed],
      },
    },
    errors: [403, 503],
  },
  {
    method: 'get',
    path: '/api/v1/orders/user/{user_id}',
    tag,
    auth: 'user',
    summary: 'One user’s orders (the caller’s own, or anyone’s for an admin)',
    params: UserIdParam,
    query: UserOrdersQuery,
    responses: {
      200: {
        description: 'A page of orders',
        schema: z.array(OrderResponse),
        headers: paged,
        example: [confirmed],
      },
    },
    errors: [403, 503],
  },
  {
    method: 'get',
    path: '/api/v1/orders/{id}',
    tag,
    auth: 'user',
    summary: 'One order (another user’s is a 404)',
    headers: WaitHeaders,
    params: OrderIdParam,
    responses: {
      200: { description: 'The order', schema: OrderResponse, headers: waited, example: confirmed },
    },
    errors: [404, 503],
  },
  statusChange('patch'),
  statusChange('put'),
  cancellation('post', '/api/v1/orders/{id}/cancel', 'Cancel an order'),
  cancellation('delete', '/api/v1/orders/{id}', 'Cancel an order (the seed’s DELETE, same as POST …/cancel)'),
]

export const openApi = openApiDocument({
  service: 'order',
  description: 'Orders: placed at once, decided by inventory’s answer, then moved along fulfilment.',
  operations,
})
