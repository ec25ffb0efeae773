import { z } from 'zod'

export const ObjectIdString = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id')
export const UserId = z.uuid()
/** Money on the wire: a positive number with at most two decimals (stored as integer cents). */
export const Price = z
  .number()
  .positive()
  .max(10_000_000)
  .refine((value) => Math.abs(Math.round(value * 100) - value * 100) < 1e-6, 'must have at most 2 decimals')
export const Quantity = z.number().int().min(0).max(1_000_000)
export const PositiveQuantity = z.number().int().min(1).max(1_000_000)
export const Timestamp = z.iso.datetime({ offset: true })

export const toCents = (price: number) => Math.round(price * 100)
export const fromCents = (cents: number) => cents / 100

// A NUL can be stored by neither PostgreSQL's text nor its JSONB (under FerretDB); an unpaired surrogate is
// not Unicode text at all. Refusing both at the edge keeps bad input a 400 rather than a 500 from the store.
const storable = (value: string) => !value.includes('\u0000') && value.isWellFormed()

/** Text a person typed: any Unicode but NUL and unpaired surrogates. */
export const Text = z.string().refine(storable, {
  message: 'must not contain NUL characters or unpaired surrogates',
})
