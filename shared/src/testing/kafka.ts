import type { Kafka } from 'kafkajs'
import { createKafka, type KafkaOptions, kafkajsClient } from '../kafka/client.ts'
import { tapTopic } from '../kafka/tap.ts'
import { createLogger, type Logger } from '../log.ts'
import { uniqueName } from './names.ts'
import { testServers } from './servers.ts'

async function dropTopics(kafka: Kafka, prefix: string) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const mine = (await admin.listTopics()).filter((name) => name.startsWith(prefix))
    if (mine.length > 0) await admin.deleteTopics({ topics: mine })
  } finally {
    await admin.disconnect()
  }
}

export type TestKafka = ReturnType<typeof createTestKafka>

/**
 * A Kafka client on the real broker whose topics are this test's own (a unique prefix on every name), with
 * what only tests need: `tap` reads a topic from the beginning, `physical` gives a topic's name on the
 * broker, and `disconnect` also deletes the test's topics, so repeated runs do not pile partitions up.
 */
export function createTestKafka(
  service: string,
  log: Logger = createLogger({ service, level: 'warn' }),
  options: Pick<KafkaOptions, 'telemetry'> = {},
) {
  const brokers = testServers.kafkaBrokers
  const topicPrefix = `${uniqueName('t')}.`
  const kafka = createKafka({ brokers, service, log, topicPrefix, ...options })
  const kafkajs = kafkajsClient({ brokers, clientId: `${service}-service`, log })
  const physical = (topic: string) => `${topicPrefix}${topic}`
  return {
    ...kafka,
    physical,
    /** Reads a topic (logical name, `.dlq` allowed) from the beginning, once the client made its topics. */
    async tap(topic: string) {
      await kafka.start()
      return tapTopic(kafkajs, physical(topic))
    },
    async disconnect() {
      await kafka.disconnect()
      await dropTopics(kafkajs, topicPrefix).catch((error) =>
        log.warn('Could not delete test topics', { error }),
      )
    },
  }
}
