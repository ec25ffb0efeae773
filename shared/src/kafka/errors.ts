/** Thrown by a handler for a message that can never be processed: it is parked on the DLQ, not retried. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError'
}

/** A payload that does not match its topic's schema was about to be published: a bug, never sent. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError'
}
