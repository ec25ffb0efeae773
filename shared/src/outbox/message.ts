import { type Payload, type Topic, topics } from '../events/topics.ts'
import type { KafkaClient } from '../kafka/client.ts'
import { InvalidEventError } from '../kafka/errors.ts'
import { currentTraceparent } from '../observability/trace-context.ts'

/** An event waiting in a store's outbox; `id` becomes the CloudEvents id, so a re-send is recognisable. */
export interface OutboxMessage<T extends Topic = Topic> {
  id: string
  topic: T
  key: string
  payload: Payload<T>
  correlation_id: string | null
  /**
   * The W3C trace context active when the event was written (the request's or the handler's span), so its
   * publication, however late, continues that trace. Null when no trace was going on; absent on older rows.
   */
  traceparent?: string | null
  created_at: string
}

/** Builds an outbox message, validating the payload now so that nothing invalid is ever committed. */
export function outboxMessage<T extends Topic>(
  topic: T,
  payload: Payload<T>,
  { key, correlationId }: { key: string; correlationId?: string | null },
): OutboxMessage<T> {
  const parsed = topics[topic].safeParse(payload)
  if (!parsed.success) throw new InvalidEventError(`invalid ${topic} payload: ${parsed.error.message}`)
  return {
    id: crypto.randomUUID(),
    topic,
    key,
    payload: parsed.data as Payload<T>,
    correlation_id: correlationId ?? null,
    traceparent: currentTraceparent(),
    created_at: new Date().toISOString(),
  }
}

/**
 * What a store offers the relay: hand at most `limit` pending messages, oldest first per aggregate, to
 * `send`, and mark as sent exactly those that `send` got through. Returns how many were sent. A store must
 * make sure that two relays running at once do not both send the same message.
 */
export interface OutboxStore {
  drain(limit: number, send: (message: OutboxMessage) => Promise<void>): Promise<number>
  /** How many events wait and how many were set aside, for `outbox_events` on `/metrics` (optional). */
  stats?(): Promise<{ pending: number; parked: number }>
}

/** Publishes an outbox message with its own envelope: its id as `ce_id`, its write time, correlation and trace. */
export const publishOutboxMessage = (publish: KafkaClient['publish'], message: OutboxMessage) =>
  publish(message.topic, message.payload, {
    key: message.key,
    id: message.id,
    time: message.created_at,
    correlationId: message.correlation_id ?? undefined,
    // The trace of the request that wrote it, so the publication, however late, continues that trace.
    traceparent: message.traceparent,
  })
