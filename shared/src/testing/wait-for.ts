export interface WaitForOptions {
  timeoutMs?: number
  intervalMs?: number
  message?: string
}

/**
 * Polls `check` until it returns a value other than undefined/false/null (or stops throwing), and returns it.
 * Fails with the last error or the message once the time is up. Tests wait with this, never with a bare sleep.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 50, message = 'condition' }: WaitForOptions = {},
): Promise<Exclude<T, undefined | false | null>> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (true) {
    try {
      const value = await check()
      if (value !== undefined && value !== false && value !== null)
        return value as Exclude<T, undefined | false | null>
      lastError = undefined
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : ''
      throw new Error(`waitFor timed out after ${timeoutMs} ms waiting for ${message}${reason}`)
    }
    await Bun.sleep(intervalMs)
  }
}
