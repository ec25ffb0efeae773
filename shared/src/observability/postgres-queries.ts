import { SpanKind } from '@opentelemetry/api'
import type { Telemetry } from './telemetry.ts'
import { failSpan, inSpan, recordingParent } from './trace-context.ts'

const KINDS = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'with',
  'begin',
  'commit',
  'rollback',
  'listen',
  'notify',
])

/** The statement's first word (`select`, `insert`, …) as a label: few values, never the SQL itself. */
export function statementKind(text: unknown): string {
  const first = Array.isArray(text) ? text[0] : text
  if (typeof first !== 'string') return 'other'
  const word = /^\s*(\w+)/.exec(first)?.[1]?.toLowerCase() ?? ''
  return KINDS.has(word) ? word : 'other'
}

type Then = (onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) => unknown

/**
 * Times a postgres.js query when it is first awaited, into `postgres_query_duration_seconds`, with a client
 * span inside a recorded trace. postgres.js queries are lazy promises that run on their first `then`, and a
 * query nested in another as a fragment is never awaited: so the timing hooks `then` rather than running the
 * query here. Anything that is not a promise (a `sql(values)` helper) is returned untouched.
 */
export function observeQuery<T>(query: T, telemetry: Telemetry | undefined, text: unknown): T {
  if (!telemetry || !(query instanceof Promise)) return query
  const original = query.then as Then
  let observed = false
  const patched: Then = function (this: unknown, onFulfilled, onRejected) {
    if (!observed) {
      observed = true
      const statement = statementKind(text)
      const started = performance.now()
      const tracer = telemetry.tracer
      const span =
        tracer && recordingParent()
          ? tracer.startSpan(`postgres ${statement}`, {
              kind: SpanKind.CLIENT,
              attributes: { 'db.system.name': 'postgresql', 'db.operation.name': statement },
            })
          : undefined
      const done = (outcome: 'ok' | 'failed', error?: unknown) => {
        telemetry.metrics.postgres.observe({ statement, outcome }, (performance.now() - started) / 1000)
        if (span && error !== undefined) failSpan(span, error)
        span?.end()
      }
      original.call(
        query,
        () => done('ok'),
        (error) => done('failed', error),
      )
    }
    return original.call(this, onFulfilled, onRejected)
  }
  // biome-ignore lint/suspicious/noThenProperty: it is a promise already; this times its first await
  ;(query as { then: Then }).then = patched
  return query
}

/** Times a whole `sql.begin(...)` as statement `transaction` (ok = committed), in a span over its statements. */
export async function observeTransaction<T>(telemetry: Telemetry | undefined, run: () => Promise<T>) {
  if (!telemetry) return run()
  const started = performance.now()
  let outcome: 'ok' | 'failed' = 'failed'
  try {
    const tracer = recordingParent() ? telemetry.tracer : undefined
    const result = await inSpan(tracer, 'postgres transaction', { kind: SpanKind.CLIENT }, run)
    outcome = 'ok'
    return result
  } finally {
    telemetry.metrics.postgres.observe(
      { statement: 'transaction', outcome },
      (performance.now() - started) / 1000,
    )
  }
}
