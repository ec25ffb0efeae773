import { baseEnv, parseEnv } from '@shop/shared/env'
import { z } from 'zod'

const seconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback)

export const UserEnv = z.object({
  ...baseEnv,
  DATABASE_URL: z.url(),
  /** Comma-separated addresses that register as admins; none unless set. */
  ADMIN_EMAILS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((email) => email.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** A PKCS8 PEM or a private JWK (ES256 or EdDSA); without it a key is generated once and kept in the database. */
  JWT_PRIVATE_KEY: z.string().min(1).optional(),
  ACCESS_TOKEN_TTL_SECONDS: seconds(15 * 60),
  REFRESH_TOKEN_TTL_SECONDS: seconds(30 * 24 * 60 * 60),
})

export type UserEnv = z.output<typeof UserEnv>

export const readEnv = (source?: Record<string, string | undefined>) => parseEnv(UserEnv, source)
