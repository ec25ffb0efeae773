import { baseEnv, jwksEnv, parseEnv } from '@shop/shared/env'
import { z } from 'zod'

export const InventoryEnv = z.object({
  ...baseEnv,
  ...jwksEnv,
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
})

export type InventoryConfig = z.output<typeof InventoryEnv>

export const readEnv = (source?: Record<string, string | undefined>) => parseEnv(InventoryEnv, source)
