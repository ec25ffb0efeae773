import { type Payload, type Topic, topics } from '../events/topics.ts'
import { InvalidEventError } from '../kafka/errors.ts'

/** An event waiting in a store's outbox; `id` becomes the CloudEvents id, so a re-send is recognisable. */
export interface OutboxMessage<T extends Topic = Topic> {
  id: string
  topic: T
  key: string
  payload: Payload<T>
  correlation_id: string | null
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
}
