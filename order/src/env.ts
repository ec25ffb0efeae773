import { baseEnv, jwksEnv, parseEnv } from '@shop/shared/env'
import { z } from 'zod'

export const OrderEnv = z.object({
  ...baseEnv,
  ...jwksEnv,
  /** Includes the database name, e.g. mongodb://127.0.0.1:27017/orders. */
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/.+\/[^/?]+/, 'must be a mongodb:// URL with a database name'),
  /**
   * A PENDING order with no decision from inventory after this long is REJECTED with reason `timeout` (and
   * its reservation, if any, released). Long enough that a broker outage the system recovers from never turns
   * into rejections.
   */
  ORDER_DECISION_TIMEOUT_SECONDS: z.coerce.number().positive().default(120),
  /** How long an Idempotency-Key is remembered: a retry within it gets the same order back. */
  IDEMPOTENCY_KEY_RETENTION_DAYS: z.coerce.number().positive().default(7),
})

export type OrderEnv = z.output<typeof OrderEnv>

export const readEnv = (source?: Record<string, string | undefined>) => parseEnv(OrderEnv, source)
