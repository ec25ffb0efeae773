import { baseEnv, jwksEnv, parseEnv } from '@shop/shared/env'
import { z } from 'zod'

export const InventoryEnv = z.object({
  ...baseEnv,
  ...jwksEnv,
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  /** Prepended to every topic and to the consumer group; only tests set it, to keep off the real topics. */
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  /** How long published outbox rows are kept (to look into what was sent) before they are pruned. */
  OUTBOX_RETENTION_HOURS: z.coerce.number().positive().default(24),
  /**
   * How long consumed event ids (and finished reservations) are kept to recognise a redelivery: longer than
   * the topics' 7-day retention, so nothing Kafka can still deliver is forgotten.
   */
  PROCESSED_EVENTS_RETENTION_DAYS: z.coerce.number().positive().default(8),
})

export type InventoryEnv = z.output<typeof InventoryEnv>

export const readEnv = (source?: Record<string, string | undefined>) => parseEnv(InventoryEnv, source)
