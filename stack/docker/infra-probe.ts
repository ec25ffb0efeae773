// Probes the compose stack's infrastructure from inside its network, as the
// services see it (run by stack/docker/test-compose in a local/bun:ci container
// with the repo's node_modules mounted): PostgreSQL's two databases, a Mongo
// insert and find (FerretDB on PostgreSQL in CI), and a Kafka round trip
// through the advertised listener kafka:9092 with a 3-partition default.
import { Kafka, logLevel } from 'kafkajs'
import { MongoClient } from 'mongodb'
import postgres from 'postgres'

const PG_URL = process.env.PROBE_PG_URL ?? 'postgres://postgres:postgres@postgres:5432/users'
const MONGO_URL = process.env.PROBE_MONGO_URL ?? 'mongodb://mongo:27017/probe'
const BROKERS = (process.env.PROBE_KAFKA_BROKERS ?? 'kafka:9092').split(',')

function ok(message: string): void {
  console.log(`[probe] ${message}`)
}

async function probePostgres(): Promise<void> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 10 })
  try {
    const rows = await sql<{ datname: string; enc: string }[]>`
      select datname, pg_encoding_to_char(encoding) as enc from pg_database
      where datname in ('users', 'inventory') order by datname`
    const got = rows.map((r) => `${r.datname}:${r.enc}`).join(',')
    if (got !== 'inventory:UTF8,users:UTF8') throw new Error(`databases: ${got}`)
    ok(`postgres: databases ${got}`)
  } finally {
    await sql.end()
  }
}

async function probeMongo(): Promise<void> {
  const client = new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 10_000 })
  try {
    await client.connect()
    const col = client.db().collection<{ _id: string; n: number }>('probe')
    const id = `p${Date.now()}`
    await col.insertOne({ _id: id, n: 1 })
    await col.updateOne({ _id: id }, { $inc: { n: 1 } })
    const doc = await col.findOne({ _id: id })
    if (doc?.n !== 2) throw new Error(`mongo: read back ${JSON.stringify(doc)}`)
    await col.deleteOne({ _id: id })
    ok('mongo: insert, $inc, find, delete')
  } finally {
    await client.close()
  }
}

async function probeKafka(): Promise<void> {
  const kafka = new Kafka({ clientId: 'compose-probe', brokers: BROKERS, logLevel: logLevel.NOTHING })
  const topic = `compose.probe.${Date.now()}`
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic }], waitForLeaders: true })
  const meta = await admin.fetchTopicMetadata({ topics: [topic] })
  const partitions = meta.topics[0]?.partitions.length
  await admin.disconnect()
  if (partitions !== 3) throw new Error(`kafka: new topic has ${partitions} partitions, wanted 3`)

  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'hello' }] })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `${topic}.g` })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const value = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('kafka: no message within 30 s')), 30_000)
    void consumer.run({
      eachMessage: async ({ message }) => {
        clearTimeout(timer)
        resolve(message.value?.toString() ?? '')
      },
    })
  })
  await consumer.disconnect()
  if (value !== 'hello') throw new Error(`kafka: consumed ${value}`)
  ok(`kafka: topic with ${partitions} partitions, produce and consume via ${BROKERS.join(',')}`)
}

try {
  await probePostgres()
  await probeMongo()
  await probeKafka()
  process.exit(0)
} catch (err) {
  console.error(`[probe] FAILED: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
