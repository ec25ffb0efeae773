import type { Kafka } from 'kafkajs'
import { subscribeWhenReady } from './consumer.ts'

export interface TappedMessage {
  key: string | null
  value: string | null
  headers: Record<string, string>
  partition: number
  offset: string
}

/**
 * Reads every message of one topic (from the beginning) into an array, for tests and tooling that want to
 * see exactly what was sent, DLQ topics included. Resolves once the reader has joined its group.
 */
export async function tapTopic(kafka: Kafka, physicalTopic: string) {
  const messages: TappedMessage[] = []
  const consumer = kafka.consumer({
    groupId: `tap-${crypto.randomUUID()}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 100,
  })
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
  await consumer.connect()
  await subscribeWhenReady(consumer, [physicalTopic])
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        const first = Array.isArray(value) ? value[0] : value
        if (first !== undefined) headers[name] = first.toString()
      }
      messages.push({
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers,
        partition,
        offset: message.offset,
      })
    },
  })
  await joined
  return { messages, stop: () => consumer.disconnect() }
}
