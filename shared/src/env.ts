import { z } from 'zod'
import { DEFAULT_JWKS_MAX_STALE_HOURS } from './http/auth.ts'
import { LOG_LEVELS } from './log.ts'

/** Env keys every service reads; each service extends this with its own. */
export const baseEnv = {
  PORT: z.coerce.number().int().min(1).max(65535),
  /** Loopback natively; compose sets 0.0.0.0 inside containers. */
  HOST: z.string().default('127.0.0.1'),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .transform((value) => value.split(',').map((broker) => broker.trim())),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
}

export const jwksEnv = {
  JWKS_URL: z.url(),
  /** How long a verifier keeps its last good key set while the user service cannot be reached. */
  JWKS_MAX_STALE_HOURS: z.coerce.number().positive().default(DEFAULT_JWKS_MAX_STALE_HOURS),
}

/**
 * Parses the environment once at start-up. On failure every issue is printed and the process exits 1,
 * so a misconfigured service never starts half-working.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.output<S> {
  const result = schema.safeParse(source)
  if (result.success) return result.data
  for (const issue of result.error.issues) {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: 'Invalid environment', variable: issue.path.join('.'), problem: issue.message })}\n`,
    )
  }
  process.exit(1)
}
