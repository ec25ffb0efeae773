/** Exponential backoff with full jitter, capped. `attempt` starts at 1. */
export const backoffMs = (attempt: number, baseMs = 100, maxMs = 5_000) =>
  Math.round(Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)))

/** Resolves after `ms`, or at once when the signal aborts. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
