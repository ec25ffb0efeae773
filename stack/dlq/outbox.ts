/** An outbox event its relay gave up publishing (a non-retriable error), kept with that error. */
export interface ParkedOutboxEvent {
  id: string
  topic: string
  key: string
  error: string
  parked_at: string | null
}

export interface ParkedOutbox {
  /** The service whose store holds them. */
  name: string
  events: ParkedOutboxEvent[]
  error?: string
}

/** The outbox stores that can park events, read through their shared modules. None does yet. */
export async function listParkedOutbox(): Promise<ParkedOutbox[]> {
  return []
}
