import type { Tracer } from '@opentelemetry/api'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { ObservabilityEnv } from './env.ts'
import { createHealthRegistry, type HealthRegistry } from './health.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import { createTracing } from './tracing.ts'

/** A process's metrics, tracer (undefined while tracing is off) and the health of its long-running parts. */
export interface Telemetry {
  service: string
  metrics: Metrics
  tracer: Tracer | undefined
  health: HealthRegistry
  /** Prometheus text exposition of every metric. */
  scrape(): Promise<{ contentType: string; body: string }>
  /** Exports the spans still buffered and stops exporting. */
  shutdown(): Promise<void>
}

export interface TelemetryOptions extends Partial<ObservabilityEnv> {
  service: string
  /** Tests: every span, sampled or not by the ratio, goes to this exporter too. */
  exporter?: SpanExporter
}

export function createTelemetry({
  service,
  TRACE_SAMPLE_RATIO = 0,
  ZIPKIN_URL,
  exporter,
}: TelemetryOptions): Telemetry {
  const metrics = createMetrics(service)
  const tracing = createTracing({ service, ratio: TRACE_SAMPLE_RATIO, zipkinUrl: ZIPKIN_URL, exporter })
  return {
    service,
    metrics,
    tracer: tracing?.tracer,
    health: createHealthRegistry(),
    scrape: async () => ({
      contentType: metrics.registry.contentType,
      body: await metrics.registry.metrics(),
    }),
    shutdown: async () => {
      await tracing?.shutdown()
    },
  }
}

let processTelemetry: Telemetry | undefined

/** runService registers the process's telemetry once, so every helper it opens reports into it by default. */
export function setProcessTelemetry(telemetry: Telemetry | undefined) {
  processTelemetry = telemetry
}

/**
 * The telemetry a helper reports to: the one it was given, else the process's (none in tests that make
 * their own connections without one). `null` opts out explicitly.
 */
export const resolveTelemetry = (given?: Telemetry | null): Telemetry | undefined =>
  given === null ? undefined : (given ?? processTelemetry)
