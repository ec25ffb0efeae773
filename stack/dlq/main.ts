/**
 * `npm run dlq -- list [topic] [--json]`: what consumers parked on `<topic>.dlq` (every topic when none is
 * given) and why, plus the outbox events parked by the relays.
 * `npm run dlq -- replay <topic> [ce_id ...]`: puts the parked messages (all, or those ids) back on their topic.
 * `npm run dlq -- unpark <user|inventory> [id ...]`: lets the service's relay try parked outbox events again.
 * KAFKA_BROKERS as the services take it (default the native stack's broker).
 */
import { isTopic, type Topic, topicNames } from '@shop/shared/events/topics'
import { createLogger } from '@shop/shared/log'
import { listParkedOutbox, unparkOutbox } from './outbox.ts'
import { type KafkaSettings, type ParkedMessage, readParked, replayParked } from './parked.ts'

const USAGE = `usage: npm run dlq -- list [topic] [--json]
       npm run dlq -- replay <topic> [ce_id ...]
       npm run dlq -- unpark <user|inventory> [event id ...]
topics: ${topicNames.join(', ')}`

const settings: KafkaSettings = {
  brokers: (
    process.env.KAFKA_BROKERS ?? `127.0.0.1:${9092 + Number(process.env.STACK_PORT_OFFSET ?? 0)}`
  ).split(','),
  topicPrefix: process.env.KAFKA_TOPIC_PREFIX ?? '',
  // Kafka's own complaints go to stderr, so the listing on stdout stays clean.
  log: createLogger({
    service: 'dlq-tool',
    level: 'error',
    write: (line) => process.stderr.write(`${line}\n`),
  }),
}

const args = process.argv.slice(2)
const json = args.includes('--json')
const [command, topicArg, ...ids] = args.filter((arg) => arg !== '--json')

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

function topicOf(name: string | undefined): Topic {
  const bare = name?.replace(/\.dlq$/, '')
  if (!bare || !isTopic(bare)) fail(`${name ? `unknown topic ${name}` : 'which topic?'}\n${USAGE}`)
  return bare
}

const clip = (text: string | null, width: number) =>
  text === null ? '-' : text.length > width ? `${text.slice(0, width - 1)}…` : text

function printParked(topic: Topic, messages: ParkedMessage[]) {
  console.log(`${topic}.dlq: ${messages.length} parked message${messages.length === 1 ? '' : 's'}`)
  for (const m of messages) {
    console.log(
      `  [${m.dlq_partition}:${m.dlq_offset}] ce_id ${m.ce_id ?? '-'} key ${m.key ?? '-'} from ${m.topic}` +
        ` ${m.original_partition ?? '?'}:${m.original_offset ?? '?'} by ${m.group_id ?? '?'} at ${m.ce_time ?? '?'}`,
    )
    console.log(`      reason: ${m.reason}`)
    console.log(`      value:  ${m.truncated ? '(truncated) ' : ''}${clip(m.value, 160)}`)
  }
}

/** One line per topic and its commonest reasons; `list <topic>` shows every message. */
function printSummary(topic: Topic, messages: ParkedMessage[]) {
  const reasons = new Map<string, number>()
  for (const m of messages) reasons.set(m.reason, (reasons.get(m.reason) ?? 0) + 1)
  console.log(`${topic}.dlq: ${messages.length} parked message${messages.length === 1 ? '' : 's'}`)
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 3)) {
    console.log(`  ${String(n).padStart(6)} × ${clip(reason, 140)}`)
  }
}

async function list() {
  const chosen = topicArg ? [topicOf(topicArg)] : topicNames
  const found = await Promise.all(
    chosen.map(async (topic) => ({ topic, messages: await readParked(topic, settings) })),
  )
  // With a topic prefix (tests) the topics are someone's own: the stores' parked events are not on them.
  const outbox = settings.topicPrefix ? [] : await listParkedOutbox(topicArg ? topicOf(topicArg) : undefined)
  if (json) {
    console.log(JSON.stringify({ dlq: found, outbox }, null, 2))
    return
  }
  for (const { topic, messages } of found) {
    if (topicArg) printParked(topic, messages)
    else if (messages.length > 0) printSummary(topic, messages)
  }
  if (!topicArg) {
    const total = found.reduce((sum, { messages }) => sum + messages.length, 0)
    console.log(`${total} parked message${total === 1 ? '' : 's'} on ${found.length} dead-letter topics`)
  }
  for (const store of outbox) {
    if (store.error) {
      console.log(`outbox ${store.name}: not read (${store.error})`)
      continue
    }
    console.log(
      `outbox ${store.name}: ${store.events.length} parked event${store.events.length === 1 ? '' : 's'}`,
    )
    for (const event of store.events) {
      const waiting = event.waiting ? `, ${event.waiting} later event(s) of its key waiting` : ''
      console.log(`  ${event.id} ${event.topic} key ${event.key} since ${event.parked_at ?? '?'}${waiting}`)
      console.log(`      error: ${clip(event.error, 200)}`)
    }
  }
}

async function replay() {
  const topic = topicOf(topicArg)
  const parked = await readParked(topic, settings)
  const chosen = ids.length > 0 ? parked.filter((m) => m.ce_id !== null && ids.includes(m.ce_id)) : parked
  const missing = ids.filter((id) => !parked.some((m) => m.ce_id === id))
  if (missing.length > 0) fail(`not parked on ${topic}.dlq: ${missing.join(', ')}`)
  const outcomes = await replayParked(chosen, settings)
  if (json) {
    console.log(JSON.stringify(outcomes, null, 2))
    return
  }
  for (const outcome of outcomes) {
    const { ce_id, dlq_partition, dlq_offset } = outcome.message
    const where = `[${dlq_partition}:${dlq_offset}] ce_id ${ce_id ?? '-'}`
    console.log(outcome.replayed ? `  replayed ${where}` : `  kept     ${where}: ${outcome.why}`)
  }
  const replayed = outcomes.filter((o) => o.replayed).length
  console.log(`${replayed} of ${outcomes.length} parked message(s) put back on ${topic}`)
}

async function unpark() {
  if (topicArg !== 'user' && topicArg !== 'inventory') fail(`unpark takes user or inventory\n${USAGE}`)
  const count = await unparkOutbox(topicArg, ids.length > 0 ? ids : undefined)
  console.log(`${count} parked outbox event(s) of ${topicArg} unparked: its relay tries them again`)
}

if (command === 'list') await list()
else if (command === 'unpark') await unpark()
else if (command === 'replay') await replay()
else fail(USAGE)
