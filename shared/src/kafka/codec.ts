import type { IHeaders, KafkaMessage } from 'kafkajs'
import { CE_HEADERS, CE_SPEC_VERSION, JSON_CONTENT_TYPE } from '../events/envelope.ts'
import { type Payload, type Topic, topics } from '../events/topics.ts'

export interface EventMeta {
  id: string
  time: string
  source: string
  correlationId?: string
}

export interface ConsumedEvent<T extends Topic = Topic> extends EventMeta {
  topic: T
  key: string | null
  payload: Payload<T>
  partition: number
  offset: string
}

/** The consumed event as a union over the subscribed topics, so a `switch (event.topic)` narrows the payload. */
export type EventFor<T extends Topic> = { [K in T]: ConsumedEvent<K> }[T]

export function encodeHeaders(topic: Topic, meta: EventMeta): IHeaders {
  const headers: IHeaders = {
    [CE_HEADERS.specversion]: CE_SPEC_VERSION,
    [CE_HEADERS.id]: meta.id,
    [CE_HEADERS.type]: topic,
    [CE_HEADERS.source]: meta.source,
    [CE_HEADERS.time]: meta.time,
    [CE_HEADERS.contentType]: JSON_CONTENT_TYPE,
  }
  if (meta.correlationId) headers[CE_HEADERS.correlationId] = meta.correlationId
  return headers
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name]
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined ? undefined : first.toString()
}

export type Decoded<T extends Topic> = { ok: true; event: ConsumedEvent<T> } | { ok: false; reason: string }

/** Turns a raw Kafka message into a validated event, or says why it is poison. Never throws. */
export function decodeMessage<T extends Topic>(
  topic: T,
  partition: number,
  message: KafkaMessage,
): Decoded<T> {
  const headers = message.headers
  const id = headerText(headers, CE_HEADERS.id)
  if (!id) return { ok: false, reason: `missing ${CE_HEADERS.id} header` }
  const type = headerText(headers, CE_HEADERS.type)
  if (type !== undefined && type !== topic)
    return { ok: false, reason: `${CE_HEADERS.type} ${type} on topic ${topic}` }
  if (!message.value) return { ok: false, reason: 'empty message value' }

  let json: unknown
  try {
    json = JSON.parse(message.value.toString())
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}` }
  }
  const parsed = topics[topic].safeParse(json)
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    return { ok: false, reason: `schema mismatch: ${detail.join('; ')}` }
  }
  return {
    ok: true,
    event: {
      topic,
      id,
      time: headerText(headers, CE_HEADERS.time) ?? new Date(Number(message.timestamp)).toISOString(),
      source: headerText(headers, CE_HEADERS.source) ?? 'unknown',
      correlationId: headerText(headers, CE_HEADERS.correlationId),
      key: message.key?.toString() ?? null,
      payload: parsed.data as Payload<T>,
      partition,
      offset: message.offset,
    },
  }
}
