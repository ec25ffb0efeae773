import { baseEnv, jwksEnv, parseEnv } from '@shop/shared/env'
import { z } from 'zod'

/** The database is the one named in the URL's path, so the URL must name one. */
const MongoUrl = z
  .string()
  .regex(/^mongodb(\+srv)?:\/\/[^/]+\/[^/?]+/, 'must be a mongodb:// URL that names the database')

export const ProductEnv = z.object({
  ...baseEnv,
  ...jwksEnv,
  MONGO_URL: MongoUrl,
  /** Base URLs of the other services, comma-separated: /api/v1/openapi.json merges their /openapi.json. */
  OPENAPI_PEERS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((url) => url.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url())),
})

export type ProductEnv = z.output<typeof ProductEnv>

export const readEnv = (source?: Record<string, string | undefined>) => parseEnv(ProductEnv, source)
