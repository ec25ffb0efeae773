import { baseEnv, jwksEnv, parseEnv } from '@shop/shared/env'
import { z } from 'zod'

export const OrderEnv = z.object({
  ...baseEnv,
  ...jwksEnv,
  /** Includes the database name, e.g. mongodb://127.0.0.1:27017/orders. */
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/.+\/[^/?]+/, 'must be a mongodb:// URL with a database name'),
})

export type OrderEnv = z.output<typeof OrderEnv>

export const loadEnv = (source?: Record<string, string | undefined>) => parseEnv(OrderEnv, source)
