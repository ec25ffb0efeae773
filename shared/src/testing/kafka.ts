import { createKafka } from '../kafka/client.ts'
import { createLogger, type Logger } from '../log.ts'
import { uniqueName } from './names.ts'
import { testServers } from './servers.ts'

/** A Kafka client on the real broker whose topics are this test's own (a unique prefix on every name). */
export function createTestKafka(service: string, log: Logger = createLogger({ service, level: 'warn' })) {
  const topicPrefix = `${uniqueName('t')}.`
  return createKafka({ brokers: testServers.kafkaBrokers, service, log, topicPrefix })
}
