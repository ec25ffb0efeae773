import { docsOperations } from '@shop/shared/docs/docs-routes'
import { type Operation, openApiDocument } from '@shop/shared/docs/openapi'
import { z } from 'zod'
import { CreateProduct, IdParam, ListQuery, UpdateProduct } from './products/schemas.ts'

export const ProductResponse = z.object({
  _id: z.string().regex(/^[0-9a-f]{24}$/),
  name: z.string(),
  description: z.string().nullable(),
  category: z.string(),
  price: z.number(),
  quantity: z.number().int().describe('The initial stock; current stock is at /api/v1/inventory/{id}'),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
})

const smartphone = {
  name: 'Premium Smartphone',
  description: 'Latest model with advanced features',
  category: 'Electronics',
  price: 999.99,
  quantity: 50,
}
const example = {
  _id: '65f1c2a9e4b0a1b2c3d4e5f6',
  ...smartphone,
  created_at: '2026-12-01T12:00:00.000Z',
  updated_at: '2026-12-01T12:00:00.000Z',
}
const tag = 'Catalogue'
const cached = {
  ETag: 'Weak validator from the catalogue versions; send it back as If-None-Match for a 304',
  'Cache-Control': 'Lists: public, max-age=5; items: no-cache (revalidate)',
}

export const operations: Operation[] = [
  {
    method: 'get',
    path: '/api/v1/products/',
    tag,
    summary: 'List products (from memory), filtered and paged',
    query: ListQuery,
    responses: {
      200: {
        description: 'A page of products, oldest first (creation time, then id)',
        schema: z.array(ProductResponse),
        headers: { 'X-Total-Count': 'How many products match the filters', ...cached },
        example: [example],
      },
      304: { description: 'Not modified (If-None-Match matched)' },
    },
    errors: [503],
  },
  {
    method: 'get',
    path: '/api/v1/products/{id}',
    tag,
    summary: 'One product',
    params: IdParam,
    responses: {
      200: { description: 'The product', schema: ProductResponse, headers: cached, example },
      304: { description: 'Not modified (If-None-Match matched)' },
    },
    errors: [404, 503],
  },
  {
    method: 'post',
    path: '/api/v1/products/',
    tag,
    auth: 'admin',
    summary: 'Create a product (emits product.created; quantity becomes its initial stock)',
    body: CreateProduct,
    bodyExample: smartphone,
    responses: {
      201: { description: 'The product', schema: ProductResponse, headers: { Location: 'Its URL' }, example },
    },
  },
  {
    method: 'patch',
    path: '/api/v1/products/{id}',
    tag,
    auth: 'admin',
    summary: 'Change name, description, category or price (emits product.updated)',
    params: IdParam,
    body: UpdateProduct,
    bodyExample: { price: 899.99 },
    responses: { 200: { description: 'The product', schema: ProductResponse } },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/api/v1/products/{id}',
    tag,
    auth: 'admin',
    summary: 'Withdraw a product (emits product.deleted; inventory writes off its stock)',
    params: IdParam,
    responses: { 204: { description: 'Deleted' } },
    errors: [404],
  },
  // Mounted here for the gateway: the whole API's documentation.
  ...docsOperations,
]

export const openApi = openApiDocument({
  service: 'product',
  description: 'The catalogue, answered from each process’s memory.',
  operations,
})
