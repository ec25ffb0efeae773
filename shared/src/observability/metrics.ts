import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export interface OutboxStats {
  pending: number
  parked: number
}

/** Seconds: from sub-millisecond store calls to a request held by `Prefer: wait=10`. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
/** Seconds an event waits between being written and being handled or published: up to minutes of backlog. */
const DELAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

/**
 * Every metric a service exposes on `/metrics`, on a registry of its own (tests make as many as they like).
 * Each series carries a `service` label, so one Prometheus sees every process apart.
 */
export function createMetrics(service: string) {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const outboxSources = new Map<string, () => Promise<OutboxStats>>()

  return {
    registry,
    /** Makes `outbox_events` read this outbox's counts at each scrape. */
    watchOutbox(name: string, read: () => Promise<OutboxStats>) {
      outboxSources.set(name, read)
      return () => outboxSources.delete(name)
    },
    http: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    produced: new Counter({
      name: 'kafka_messages_produced_total',
      help: 'Kafka messages sent, by topic and outcome (ok, failed)',
      labelNames: ['topic', 'outcome'] as const,
      registers,
    }),
    consumed: new Counter({
      name: 'kafka_messages_consumed_total',
      help: 'Kafka messages handled, by topic and outcome (ok, retried: one per failed attempt, dead_lettered)',
      labelNames: ['topic', 'outcome'] as const,
      registers,
    }),
    handling: new Histogram({
      name: 'kafka_message_handling_duration_seconds',
      help: "Time spent in a message's handler, by topic",
      labelNames: ['topic'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    eventDelay: new Histogram({
      name: 'kafka_event_handling_delay_seconds',
      help: "From an event's ce_time (when it was written) to the end of its handling, by topic",
      labelNames: ['topic'] as const,
      buckets: DELAY_BUCKETS,
      registers,
    }),
    lag: new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Messages behind the end of the partition at the last batch, by group, topic and partition',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers,
    }),
    outboxPublished: new Counter({
      name: 'outbox_published_total',
      help: 'Outbox events published by the relay, by topic',
      labelNames: ['topic'] as const,
      registers,
    }),
    outboxFailures: new Counter({
      name: 'outbox_publish_failures_total',
      help: 'Relay rounds that stopped on an error (the events stay pending and are retried)',
      registers,
    }),
    outboxDelay: new Histogram({
      name: 'outbox_publish_delay_seconds',
      help: 'From an outbox event being written to its publication, by topic',
      labelNames: ['topic'] as const,
      buckets: DELAY_BUCKETS,
      registers,
    }),
    outboxEvents: new Gauge({
      name: 'outbox_events',
      help: 'Outbox events by state: pending (not yet published) and parked (set aside as unpublishable), read at scrape time',
      labelNames: ['outbox', 'state'] as const,
      registers,
      async collect() {
        for (const [outbox, read] of outboxSources) {
          const stats = await read().catch(() => undefined)
          if (!stats) continue
          this.set({ outbox, state: 'pending' }, stats.pending)
          this.set({ outbox, state: 'parked' }, stats.parked)
        }
      },
    }),
    mongo: new Histogram({
      name: 'mongodb_command_duration_seconds',
      help: 'MongoDB commands by command name and outcome (ok, failed), from the driver',
      labelNames: ['command', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    postgres: new Histogram({
      name: 'postgres_query_duration_seconds',
      help: 'PostgreSQL statements by kind (select, insert, …; transaction for a whole sql.begin) and outcome',
      labelNames: ['statement', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
