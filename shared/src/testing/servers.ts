/** Where tests find the real servers: the native stack's loopback ports unless overridden. */
export const testServers = {
  postgresUrl: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  mongoUrl: process.env.TEST_MONGO_URL ?? 'mongodb://127.0.0.1:27017',
  kafkaBrokers: (process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
}
