/** A partition's offsets as Kafka's admin gives them: `high` is the next offset to be written. */
export interface PartitionEnd {
  partition: number
  low: string
  high: string
}

/**
 * Whether a reader that started from the beginning has read everything that was there when it started: each
 * partition's offset before `high` has been seen (an empty partition, low = high, is read at once). This is
 * what `/ready`'s `catalogue` waits for, so no order is priced from a half-built catalogue.
 */
export function createCatchUp(ends: Map<string, PartitionEnd[]>) {
  const remaining = new Map<string, bigint>()
  for (const [topic, partitions] of ends) {
    for (const { partition, low, high } of partitions) {
      if (BigInt(high) > BigInt(low)) remaining.set(`${topic}:${partition}`, BigInt(high) - 1n)
    }
  }
  return {
    seen(topic: string, partition: number, offset: string) {
      const key = `${topic}:${partition}`
      const last = remaining.get(key)
      if (last !== undefined && BigInt(offset) >= last) remaining.delete(key)
    },
    caughtUp: () => remaining.size === 0,
    /** Partitions still being read, for the readiness error. */
    behind: () => [...remaining.keys()],
  }
}

export type CatchUp = ReturnType<typeof createCatchUp>
