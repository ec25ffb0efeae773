import { createKafka } from '../kafka/client.ts'
import { createLogger, type Logger } from '../log.ts'
import { uniqueName } from './names.ts'
import { testServers } from './servers.ts'

/**
 * A Kafka client on the real broker whose topics are this test's own (a unique prefix on every name).
 * `disconnect` also deletes those topics, so repeated test runs do not pile partitions up on the broker.
 */
export function createTestKafka(service: string, log: Logger = createLogger({ service, level: 'warn' })) {
  const topicPrefix = `${uniqueName('t')}.`
  const kafka = createKafka({ brokers: testServers.kafkaBrokers, service, log, topicPrefix })
  return {
    ...kafka,
    async disconnect() {
      await kafka.disconnect()
      await kafka.dropTopics().catch((error) => log.warn('Could not delete test topics', { error }))
    },
  }
}
