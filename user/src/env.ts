import { baseEnv, parseEnv } from '@shop/shared/env'
import { z } from 'zod'
import { Email, Password } from './auth/schemas.ts'

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback)
/** Compose passes `${ADMIN_EMAIL:-}`: an empty value means "not set". */
const emptyIsUnset = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional())

export const UserEnv = z
  .object({
    ...baseEnv,
    DATABASE_URL: z.url(),
    /** Prepended to every Kafka topic name; only tests set it, to keep their events off the real topics. */
    KAFKA_TOPIC_PREFIX: z.string().default(''),
    /** With ADMIN_PASSWORD: the admin account created at start-up when no admin exists. None unless set. */
    ADMIN_EMAIL: emptyIsUnset(Email),
    ADMIN_PASSWORD: emptyIsUnset(Password),
    /** A PKCS8 PEM or a private JWK (ES256 or EdDSA); without it keys are generated and kept in the database. */
    JWT_PRIVATE_KEY: emptyIsUnset(z.string()),
    ACCESS_TOKEN_TTL_SECONDS: positiveInt(15 * 60),
    REFRESH_TOKEN_TTL_SECONDS: positiveInt(30 * 24 * 60 * 60),
    /** Registrations and login attempts one client address may make per 15 minutes. */
    REGISTRATION_LIMIT_PER_ADDRESS: positiveInt(10),
    LOGIN_LIMIT_PER_ADDRESS: positiveInt(20),
    /** Comma-separated addresses of proxies in front of the gateway, skipped when reading X-Forwarded-For. */
    TRUSTED_PROXIES: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((address) => address.trim())
          .filter(Boolean),
      ),
    /** How long published outbox rows are kept (for looking into what was sent) before they are pruned. */
    OUTBOX_RETENTION_HOURS: z.coerce.number().positive().default(24),
  })
  .refine((env) => (env.ADMIN_EMAIL === undefined) === (env.ADMIN_PASSWORD === undefined), {
    path: ['ADMIN_PASSWORD'],
    message: 'set ADMIN_EMAIL and ADMIN_PASSWORD together, or neither',
  })

export type UserEnv = z.output<typeof UserEnv>

export const readEnv = (source?: Record<string, string | undefined>) => parseEnv(UserEnv, source)

/**
 * What `bun user/scripts/rotate-key.ts` needs: the database (by default the native stack's, so that
 * `npm run rotate-key` works there as it is; in compose, run it in the user container, which has its own)
 * and the access-token lifetime, for saying how long the retired key stays published.
 */
export const RotateKeyEnv = z.object({
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/users'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(15 * 60),
})

export const readRotateKeyEnv = (source?: Record<string, string | undefined>) =>
  parseEnv(RotateKeyEnv, source)
