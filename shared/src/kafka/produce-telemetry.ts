import { SpanKind } from '@opentelemetry/api'
import type { IHeaders } from 'kafkajs'
import type { Telemetry } from '../observability/telemetry.ts'
import {
  contextFromTraceparent,
  injectHeaders,
  inSpan,
  TRACEPARENT_HEADER,
} from '../observability/trace-context.ts'

export interface ProducedMessage {
  topic: string
  id: string
  headers: IHeaders
  /** The trace the event belongs to (an outbox event's); else the active span's. */
  traceparent?: string | null
}

/**
 * Sends one message in a producer span and counts it by topic and outcome. The span's `traceparent` goes
 * into the headers beside the CloudEvents ones, so the consumer's span continues the trace. With tracing off
 * here, a stored `traceparent` still travels on unchanged, for the services that do trace.
 */
export async function sendObserved(
  telemetry: Telemetry | undefined,
  { topic, id, headers, traceparent }: ProducedMessage,
  send: () => Promise<void>,
) {
  const tracer = telemetry?.tracer
  try {
    if (!tracer) {
      if (traceparent) headers[TRACEPARENT_HEADER] = traceparent
      await send()
    } else {
      const attributes = {
        'messaging.system': 'kafka',
        'messaging.destination.name': topic,
        'messaging.message.id': id,
      }
      const parent = traceparent ? contextFromTraceparent(traceparent) : undefined
      await inSpan(tracer, `${topic} publish`, { kind: SpanKind.PRODUCER, parent, attributes }, async () => {
        Object.assign(headers, injectHeaders())
        await send()
      })
    }
    telemetry?.metrics.produced.inc({ topic, outcome: 'ok' })
  } catch (error) {
    telemetry?.metrics.produced.inc({ topic, outcome: 'failed' })
    throw error
  }
}
