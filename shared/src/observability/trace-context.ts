import {
  type Context,
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'

export const TRACEPARENT_HEADER = 'traceparent'

const propagator = new W3CTraceContextPropagator()

/** Header values of any carrier: a Fetch `Headers`, or kafkajs's record whose values arrive as Buffers. */
type Carrier = Headers | Record<string, unknown>

const firstText = (value: unknown): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value
  if (first === undefined || first === null) return undefined
  return typeof first === 'string' ? first : String(first)
}

/** Reads W3C headers from a Fetch `Headers` or from kafkajs headers (Buffer values, turned into text). */
const getter: TextMapGetter<Carrier> = {
  keys: (carrier) => (carrier instanceof Headers ? [...carrier.keys()] : Object.keys(carrier)),
  get: (carrier, key) =>
    carrier instanceof Headers ? (carrier.get(key) ?? undefined) : firstText(carrier[key]),
}

const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value
  },
}

/** The context an incoming `traceparent` (HTTP or Kafka header) describes; the root context without one. */
export const extractContext = (carrier: Carrier | undefined): Context =>
  carrier ? propagator.extract(ROOT_CONTEXT, carrier, getter) : ROOT_CONTEXT

/** The context a stored `traceparent` (an outbox event's) describes. */
export const contextFromTraceparent = (traceparent: string | null | undefined): Context =>
  traceparent ? extractContext({ [TRACEPARENT_HEADER]: traceparent }) : ROOT_CONTEXT

/** The `traceparent` (and `tracestate`) of a context, as headers to send on; empty when it has no span. */
export function injectHeaders(from: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {}
  propagator.inject(from, headers, setter)
  return headers
}

/**
 * The `traceparent` of the span active now, for an outbox event written inside a request or a handler, so
 * its publication seconds later continues the same trace. Null when no trace is going on.
 */
export function currentTraceparent(): string | null {
  const span = trace.getActiveSpan()
  if (!span || !isSpanContextValid(span.spanContext())) return null
  return injectHeaders()[TRACEPARENT_HEADER] ?? null
}

/**
 * Runs `work` in a new active span (child of `parent`, by default the active context), ended when it
 * settles, marked as an error if it throws. Without a tracer it just runs `work`.
 */
export async function inSpan<T>(
  tracer: Tracer | undefined,
  name: string,
  options: SpanOptions & { parent?: Context },
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!tracer) return work(undefined)
  const { parent = context.active(), ...spanOptions } = options
  const span = tracer.startSpan(name, spanOptions, parent)
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span))
  } catch (error) {
    failSpan(span, error)
    throw error
  } finally {
    span.end()
  }
}

export function failSpan(span: Span, error: unknown) {
  span.recordException(error instanceof Error ? error : String(error))
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined })
}

/** Whether a store call should get a span of its own: only inside a trace that is recorded. */
export const recordingParent = () => trace.getActiveSpan()?.isRecording() === true
