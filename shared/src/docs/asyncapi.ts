import { z } from 'zod'
import { CE_HEADERS, DLQ_HEADERS } from '../events/envelope.ts'
import { dlqTopic, type Topic, topicNames, topics } from '../events/topics.ts'
import { EVENT_FLOW } from './event-flow.ts'
import { jsonSchema } from './json-schema.ts'

const PARTITIONS = 3
const KAFKA_BINDING = '0.5.0'

const CloudEventHeaders = z.object({
  [CE_HEADERS.specversion]: z.literal('1.0'),
  [CE_HEADERS.id]: z.uuid().describe('The event id: consumers skip an id they already applied'),
  [CE_HEADERS.type]: z.string().describe('The topic name'),
  [CE_HEADERS.source]: z.string().describe('/<name>-service'),
  [CE_HEADERS.time]: z.iso.datetime({ offset: true }),
  [CE_HEADERS.contentType]: z.literal('application/json'),
  [CE_HEADERS.correlationId]: z
    .string()
    .optional()
    .describe('X-Request-Id of the HTTP request that caused it'),
  traceparent: z.string().optional().describe('W3C trace context of the request that caused it'),
})

const DeadLetterHeaders = CloudEventHeaders.extend({
  [DLQ_HEADERS.reason]: z.string().describe('Why the message could not be applied'),
  [DLQ_HEADERS.topic]: z.string(),
  [DLQ_HEADERS.partition]: z.string(),
  [DLQ_HEADERS.offset]: z.string(),
  [DLQ_HEADERS.groupId]: z.string(),
})

/** `order.placed` → `orderPlaced`: AsyncAPI ids may not contain dots. */
const idOf = (name: string) => name.replace(/[._]([a-z])/g, (_, letter: string) => letter.toUpperCase())
const draft07 = (schema: z.ZodType) => jsonSchema(schema, { target: 'draft-07' })

/** AsyncAPI 3.0 for every topic and its dead-letter topic, from the same zod schemas that validate events. */
export function asyncApiDocument() {
  const channels: Record<string, unknown> = {}
  const operations: Record<string, unknown> = {}
  const messages: Record<string, unknown> = {}
  const services = new Set<string>()

  const addChannel = (topic: string, message: string, summary: string) => {
    const channel = idOf(topic)
    channels[channel] = {
      address: topic,
      description: summary,
      messages: { [message]: { $ref: `#/components/messages/${message}` } },
      bindings: { kafka: { topic, partitions: PARTITIONS, bindingVersion: KAFKA_BINDING } },
    }
    return channel
  }
  const addOperation = (service: string, action: 'send' | 'receive', channel: string, message: string) => {
    services.add(service)
    operations[
      `${service}${action === 'send' ? 'Sends' : 'Receives'}${channel[0]?.toUpperCase()}${channel.slice(1)}`
    ] = {
      action,
      channel: { $ref: `#/channels/${channel}` },
      messages: [{ $ref: `#/channels/${channel}/messages/${message}` }],
      summary: `${service}-service ${action === 'send' ? 'publishes' : 'consumes'} ${channel}`,
    }
  }

  for (const topic of topicNames) {
    const flow = EVENT_FLOW[topic as Topic]
    const message = idOf(topic)
    messages[message] = {
      name: topic,
      title: topic,
      summary: flow.summary,
      contentType: 'application/json',
      headers: draft07(CloudEventHeaders),
      payload: draft07(topics[topic]),
      bindings: { kafka: { key: { type: 'string', description: flow.key }, bindingVersion: KAFKA_BINDING } },
    }
    const channel = addChannel(topic, message, flow.summary)
    addOperation(flow.producer, 'send', channel, message)
    for (const consumer of flow.consumers) addOperation(consumer, 'receive', channel, message)

    const dead = idOf(dlqTopic(topic))
    messages[dead] = {
      name: dlqTopic(topic),
      title: `${topic} (dead letter)`,
      summary: `A ${topic} message a consumer could not apply, parked with the reason; replay with npm run dlq`,
      contentType: 'application/json',
      headers: draft07(DeadLetterHeaders),
      payload: {},
    }
    const dlqChannel = addChannel(dlqTopic(topic), dead, `Dead letters of ${topic}`)
    for (const consumer of flow.consumers) addOperation(consumer, 'send', dlqChannel, dead)
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Shop events',
      version: '1.0.0',
      description:
        'Every Kafka topic of the shop: CloudEvents 1.0 in binary mode (ce_* headers), JSON payloads, the aggregate id as key. Each service publishes through a transactional outbox; consumers are idempotent by ce_id.',
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: 'kafka:9092',
        protocol: 'kafka',
        description: 'The compose stack’s broker (natively 127.0.0.1:9092)',
      },
    },
    channels,
    operations,
    components: { messages },
  }
}
