/** Thrown by a handler for a message that can never be processed: it is parked on the DLQ, not retried. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError'
}

/** A payload that does not match its topic's schema was about to be published: a bug, never sent. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError'
}

/** Kafka refused a message for its size: no retry can change that. Looks through `cause` and `originalError`. */
export function isMessageTooLarge(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 8; depth++) {
    if ((e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') return true
    e =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError
  }
  return false
}
