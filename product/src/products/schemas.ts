import { Price, Quantity, Text } from '@shop/shared/events/primitives'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SKIP } from '@shop/shared/http/paging'
import { z } from 'zod'

// Text refuses NUL and unpaired surrogates (a 400 naming the field, never a 500 from the store).
const Name = Text.trim().min(1).max(200)
const Description = Text.max(2000).nullable()
const Category = Text.trim().min(1).max(100)

export const CreateProduct = z.strictObject({
  name: Name,
  description: Description.optional(),
  category: Category,
  price: Price,
  quantity: Quantity,
})

/** Quantity is the initial stock and never changes here; stock moves through the inventory service. */
export const UpdateProduct = z
  .strictObject({
    name: Name.optional(),
    description: Description.optional(),
    category: Category.optional(),
    price: Price.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one of name, description, category, price',
  })

export type CreateProductInput = z.output<typeof CreateProduct>
export type UpdateProductInput = z.output<typeof UpdateProduct>

// Query values arrive as strings; these patterns admit plain decimal numbers only (no '', '1e3', '0x10').
const WholeNumber = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a whole number')
  .transform(Number)
const Money = z
  .string()
  .regex(/^\d{1,8}(\.\d{1,2})?$/, 'must be a number with at most 2 decimals')
  .transform((value) => {
    const [units = '0', decimals = ''] = value.split('.')
    return Number(units) * 100 + Number(decimals.padEnd(2, '0'))
  })

export const ListQuery = z
  .strictObject({
    skip: WholeNumber.pipe(z.number().max(MAX_SKIP)).default(0),
    limit: WholeNumber.pipe(z.number().min(1).max(MAX_PAGE_SIZE)).default(DEFAULT_PAGE_SIZE),
    category: Category.optional(),
    min_price: Money.optional(),
    max_price: Money.optional(),
    /** An empty search (a cleared search box) filters nothing. */
    q: Text.trim().max(200).optional(),
  })
  .refine(
    (query) =>
      query.min_price === undefined || query.max_price === undefined || query.min_price <= query.max_price,
    {
      message: 'min_price must not exceed max_price',
      path: ['min_price'],
    },
  )
  .transform(({ min_price, max_price, ...rest }) => ({
    ...rest,
    min_price_cents: min_price,
    max_price_cents: max_price,
  }))

export type ListProductsQuery = z.output<typeof ListQuery>

export const IdParam = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9a-fA-F]{24}$/, 'must be a 24-character hex id')
    .transform((id) => id.toLowerCase()),
})
