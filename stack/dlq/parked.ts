import { CE_HEADERS, DLQ_HEADERS } from '@shop/shared/events/envelope'
import { dlqTopic, type Topic, topics } from '@shop/shared/events/topics'
import { createKafka, kafkajsClient } from '@shop/shared/kafka/client'
import { type TappedMessage, tapTopic } from '@shop/shared/kafka/tap'
import type { Logger } from '@shop/shared/log'
import { TRACEPARENT_HEADER } from '@shop/shared/observability/trace-context'

/** One message parked on `<topic>.dlq`, with what the consumer that parked it said. */
export interface ParkedMessage {
  topic: Topic
  /** Where it sits on the DLQ topic. */
  dlq_partition: number
  dlq_offset: string
  ce_id: string | null
  ce_time: string | null
  ce_source: string | null
  correlation_id: string | null
  key: string | null
  reason: string
  group_id: string | null
  /** Where it was read from when it was parked. */
  original_partition: string | null
  original_offset: string | null
  value: string | null
  /** Only the first bytes were parked (the message was too large to park whole). */
  truncated: boolean
  headers: Record<string, string>
}

export interface KafkaSettings {
  brokers: string[]
  log: Logger
  /** Only tests set one: the prefix of the topics they own. */
  topicPrefix?: string
}

/** The DLQ has been read to its end once nothing new arrived for this long after the reader joined. */
const QUIET_MS = 1_500
const POLL_MS = 100
const MAX_READ_MS = 60_000

const parked = (topic: Topic, message: TappedMessage): ParkedMessage => {
  const h = message.headers
  return {
    topic,
    dlq_partition: message.partition,
    dlq_offset: message.offset,
    ce_id: h[CE_HEADERS.id] ?? null,
    ce_time: h[CE_HEADERS.time] ?? null,
    ce_source: h[CE_HEADERS.source] ?? null,
    correlation_id: h[CE_HEADERS.correlationId] ?? null,
    key: message.key,
    reason: h[DLQ_HEADERS.reason] ?? '(no dlq_reason header)',
    group_id: h[DLQ_HEADERS.groupId] ?? null,
    original_partition: h[DLQ_HEADERS.partition] ?? null,
    original_offset: h[DLQ_HEADERS.offset] ?? null,
    value: message.value,
    truncated: h[DLQ_HEADERS.truncated] === 'true',
    headers: h,
  }
}

/** Every message on `<topic>.dlq` within its retention, oldest first per partition. */
export async function readParked(topic: Topic, settings: KafkaSettings): Promise<ParkedMessage[]> {
  const kafka = createKafka({ ...settings, service: 'dlq-tool' })
  try {
    // Creates a topic no service has created yet as the services would, rather than the reader auto-creating it.
    await kafka.start()
    const tapped = await tapTopic(
      kafkajsClient({ brokers: settings.brokers, clientId: 'dlq-tool-service', log: settings.log }),
      `${settings.topicPrefix ?? ''}${dlqTopic(topic)}`,
    )
    const started = Date.now()
    let seen = -1
    let changedAt = Date.now()
    while (Date.now() - changedAt < QUIET_MS && Date.now() - started < MAX_READ_MS) {
      if (tapped.messages.length !== seen) {
        seen = tapped.messages.length
        changedAt = Date.now()
      }
      await Bun.sleep(POLL_MS)
    }
    await tapped.stop()
    return tapped.messages
      .map((message) => parked(topic, message))
      .sort((a, b) => a.dlq_partition - b.dlq_partition || Number(a.dlq_offset) - Number(b.dlq_offset))
  } finally {
    await kafka.disconnect()
  }
}

export type ReplayOutcome =
  | { message: ParkedMessage; replayed: true }
  | { message: ParkedMessage; replayed: false; why: string }

/** `/order-service` → `order`, so the replayed event names the service that first published it. */
const serviceOf = (source: string | null) => source?.match(/^\/(.+)-service$/)?.[1] ?? 'dlq-tool'

/** Why a parked message cannot go back, or undefined when it can. */
function unreplayable(message: ParkedMessage): string | undefined {
  if (!message.ce_id) return 'it has no ce_id, so consumers could not recognise a repeat'
  if (message.truncated) return 'only its first bytes were parked (it was too large to park whole)'
  if (message.value === null) return 'it has no value'
  let json: unknown
  try {
    json = JSON.parse(message.value)
  } catch {
    return 'its value is not JSON: it would only be parked again'
  }
  const parsed = topics[message.topic].safeParse(json)
  if (!parsed.success) return `it still fails the ${message.topic} schema: it would only be parked again`
  return undefined
}

/**
 * Puts parked messages back on their original topic with their own ce_id, ce_time, ce_source, correlation
 * id, traceparent and key (the dlq_* headers are not carried back), so a consumer that already applied one skips it.
 * A message that could never be consumed (no ce_id, not JSON, failing its schema) stays where it is.
 */
export async function replayParked(messages: ParkedMessage[], settings: KafkaSettings) {
  const clients = new Map<string, ReturnType<typeof createKafka>>()
  const clientFor = (service: string) => {
    let client = clients.get(service)
    if (!client) {
      client = createKafka({ ...settings, service })
      clients.set(service, client)
    }
    return client
  }
  const outcomes: ReplayOutcome[] = []
  try {
    for (const message of messages) {
      const why = unreplayable(message)
      if (why) {
        outcomes.push({ message, replayed: false, why })
        continue
      }
      await clientFor(serviceOf(message.ce_source)).publish(
        message.topic,
        JSON.parse(message.value as string),
        {
          key: message.key ?? (message.ce_id as string),
          id: message.ce_id as string,
          time: message.ce_time ?? undefined,
          correlationId: message.correlation_id ?? undefined,
          traceparent: message.headers[TRACEPARENT_HEADER] ?? null,
        },
      )
      outcomes.push({ message, replayed: true })
    }
  } finally {
    await Promise.all([...clients.values()].map((client) => client.disconnect()))
  }
  return outcomes
}
