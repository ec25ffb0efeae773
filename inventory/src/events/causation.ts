/** What a handler passes on from the event it applies to the events it causes. */
export interface Causation {
  correlationId?: string | null
}
