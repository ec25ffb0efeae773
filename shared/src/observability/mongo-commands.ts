import { context, type Span, SpanKind } from '@opentelemetry/api'
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb'
import type { Telemetry } from './telemetry.ts'
import { failSpan, recordingParent } from './trace-context.ts'

/**
 * Times every command the driver sends (its command monitoring: `monitorCommands: true`) into
 * `mongodb_command_duration_seconds` by command name, and, inside a recorded trace, gives each command a
 * client span under the caller's span. Commands outside any trace (the relay polling) get no span.
 */
export function monitorMongoCommands(client: MongoClient, telemetry: Telemetry) {
  const { mongo } = telemetry.metrics
  const tracer = telemetry.tracer
  const spans = new Map<number, Span>()

  if (tracer) {
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (!recordingParent()) return
      const span = tracer.startSpan(
        `mongodb ${event.commandName}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system.name': 'mongodb',
            'db.operation.name': event.commandName,
            'db.namespace': event.databaseName,
            'db.collection.name': collectionOf(event),
          },
        },
        context.active(),
      )
      spans.set(event.requestId, span)
    })
  }
  const finish = (event: CommandSucceededEvent | CommandFailedEvent, failed: boolean) => {
    mongo.observe({ command: event.commandName, outcome: failed ? 'failed' : 'ok' }, event.duration / 1000)
    const span = spans.get(event.requestId)
    if (!span) return
    spans.delete(event.requestId)
    if (failed) failSpan(span, (event as CommandFailedEvent).failure)
    span.end()
  }
  client.on('commandSucceeded', (event) => finish(event, false))
  client.on('commandFailed', (event) => finish(event, true))
}

/** The collection a command is about: the value of its first key (`{find: 'orders', …}`), when a string. */
function collectionOf(event: CommandStartedEvent) {
  const value = event.command[event.commandName]
  return typeof value === 'string' ? value : ''
}
