import { z } from 'zod'
import { parseEnv } from '../env.ts'

/**
 * What every service process reads for metrics and traces, beside its own env. `TRACE_SAMPLE_RATIO` is the
 * share of new traces kept (an incoming sampled `traceparent` is always followed); 0 turns tracing off
 * entirely. `ZIPKIN_URL` is Zipkin's span endpoint (`http://127.0.0.1:9411/api/v2/spans`); without it spans
 * are made but go nowhere.
 */
export const observabilityEnv = z.object({
  TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0),
  ZIPKIN_URL: z.url().optional(),
})

export type ObservabilityEnv = z.output<typeof observabilityEnv>

export const readObservabilityEnv = (source: Record<string, string | undefined> = process.env) =>
  parseEnv(observabilityEnv, source)
