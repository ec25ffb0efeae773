import { type Operation, openApiDocument } from '@shop/shared/docs/openapi'
import { StockChangeReason } from '@shop/shared/events/schemas'
import { z } from 'zod'
import { AdjustStock, HistoryQuery, ListStockQuery, ProductIdParam } from './stock/schemas.ts'

const Iso = z.iso.datetime({ offset: true })
const Count = z.number().int().min(0)

export const StockResponse = z.object({
  product_id: z.string().regex(/^[0-9a-f]{24}$/),
  stock: Count.describe('Orderable now'),
  reserved: Count.describe('Held by orders not yet shipped or cancelled'),
  shipped: Count.describe('Gone out with shipped orders'),
  reorder_threshold: Count.describe(
    'At or below it the product is low on stock (stock.low is emitted); by default a tenth of the initial stock, at least 5',
  ),
  updated_at: Iso,
})

export const MovementResponse = z.object({
  version: z.number().int().min(1).describe('The stock entry’s version after this change'),
  reason: StockChangeReason,
  order_id: z.string().nullable(),
  stock_change: z.number().int(),
  reserved_change: z.number().int(),
  shipped_change: z.number().int(),
  stock: Count,
  reserved: Count,
  shipped: Count,
  actor: z.string().nullable().describe('The admin who adjusted it, for admin changes'),
  correlation_id: z.string().nullable().describe('The request or event that caused it'),
  created_at: Iso,
})

// The walk-through's smartphone: 50 on sale, then an order of 2 holds two of them.
const productId = '65f1c2a9e4b0a1b2c3d4e5f6'
const example = {
  product_id: productId,
  stock: 48,
  reserved: 2,
  shipped: 0,
  reorder_threshold: 5,
  updated_at: '2026-12-01T12:00:01.000Z',
}
const movement = {
  version: 2,
  reason: 'reserved',
  order_id: '65f1c2b0e4b0a1b2c3d4e5f7',
  stock_change: -2,
  reserved_change: 2,
  shipped_change: 0,
  stock: 48,
  reserved: 2,
  shipped: 0,
  actor: null,
  correlation_id: '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b',
  created_at: '2026-12-01T12:00:01.000Z',
}
const tag = 'Stock'
const paged = { 'X-Total-Count': 'How many entries match, whatever the page' }

export const operations: Operation[] = [
  {
    method: 'get',
    path: '/api/v1/inventory/',
    tag,
    summary: 'List stock entries, paged',
    description: '`low_stock=true`: only products at or below their reorder threshold.',
    query: ListStockQuery,
    responses: {
      200: {
        description: 'A page of stock entries',
        schema: z.array(StockResponse),
        headers: paged,
        example: [example],
      },
    },
    errors: [503],
  },
  {
    method: 'get',
    path: '/api/v1/inventory/low-stock',
    tag,
    summary: 'Products at or below their reorder threshold (the seed’s name for `?low_stock=true`)',
    query: HistoryQuery,
    responses: {
      200: {
        description: 'A page of low stock entries',
        schema: z.array(StockResponse),
        headers: paged,
        example: [{ ...example, stock: 3, reorder_threshold: 5 }],
      },
    },
    errors: [503],
  },
  {
    method: 'get',
    path: '/api/v1/inventory/{product_id}',
    tag,
    summary: 'A product’s stock (there once product.created has been applied)',
    params: ProductIdParam,
    responses: { 200: { description: 'The stock entry', schema: StockResponse, example } },
    errors: [404, 503],
  },
  {
    method: 'get',
    path: '/api/v1/inventory/{product_id}/history',
    tag,
    auth: 'admin',
    summary: 'A product’s stock ledger, newest first: every change, its reason and its cause',
    params: ProductIdParam,
    query: HistoryQuery,
    responses: {
      200: {
        description: 'A page of movements',
        schema: z.array(MovementResponse),
        headers: paged,
        example: [movement],
      },
    },
    errors: [404, 503],
  },
  {
    method: 'patch',
    path: '/api/v1/inventory/{product_id}',
    tag,
    auth: 'admin',
    summary: 'Set or move the orderable stock, or set the reorder threshold (emits stock.updated)',
    description:
      'Exactly one of `stock` (the new quantity) or `delta` (the change; reason `adjusted` or `returned`), ' +
      'and/or `reorder_threshold`. Below 0 is a 409 saying by how much; stock + reserved over 1,000,000 is a ' +
      '422. A change that changes nothing answers 200 and publishes nothing.',
    params: ProductIdParam,
    body: AdjustStock,
    bodyExample: { delta: 10 },
    responses: {
      200: { description: 'The stock entry', schema: StockResponse, example: { ...example, stock: 58 } },
    },
    errors: [404, 409, 422, 503],
  },
]

export const openApi = openApiDocument({
  service: 'inventory',
  description: 'Stock per product: reserved for orders, released on cancellation, adjusted by admins.',
  operations,
})
