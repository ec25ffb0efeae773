import { call, GATEWAY } from '../bench/api.ts'
import { type Journey, type JourneyOptions, orderJourney, randomItems } from '../bench/journey.ts'

/** Long enough for a broker's restart and the relay's catch-up; an order not final by then counts as such. */
const GIVE_UP_MS = 90_000
const RETRY_MS = 100

export interface LoadOptions {
  tokens: string[]
  products: string[]
  /** POST without `Prefer: wait` and cancel at once, racing the reservation. */
  cancelRace?: boolean
  preferWait: boolean
}

export interface CancelTally {
  ok: number
  refused: number
  errors: number
}

/** Sends a cancel, retrying a 5xx or a broken connection; a 409 (already final) is an answer too. */
async function cancel(journey: Journey, token: string, tally: CancelTally) {
  for (let tries = 0; tries < 50; tries++) {
    journey.requests++
    const res = await call(GATEWAY, 'POST', `/api/v1/orders/${journey.id}/cancel`, { token }).catch(
      () => undefined,
    )
    if (res && res.status < 300) {
      tally.ok++
      return
    }
    if (res && res.status < 500) {
      tally.refused++
      return
    }
    journey.errors++
    tally.errors++
    await Bun.sleep(RETRY_MS)
  }
}

/**
 * Clients that each place an order and follow it until final, again and again until stopped, retrying a
 * 5xx or a broken connection with the same Idempotency-Key, as a careful shop client does.
 */
export function startLoad({ tokens, products, cancelRace = false, preferWait }: LoadOptions) {
  const journeys: Journey[] = []
  const cancels: CancelTally = { ok: 0, refused: 0, errors: 0 }
  let stopping = false
  const options = (client: number): JourneyOptions => ({
    token: () => tokens[client] as string,
    retry: true,
    preferWait: preferWait && !cancelRace,
    giveUpMs: GIVE_UP_MS,
    onPlaced: cancelRace ? (j) => cancel(j, tokens[client] as string, cancels) : undefined,
  })
  const running = Promise.all(
    tokens.map(async (_, client) => {
      while (!stopping)
        journeys.push(await orderJourney(randomItems(products), performance.now(), options(client)))
    }),
  )
  return {
    journeys,
    cancels,
    /** Stops placing new orders and waits for every order in flight to be final (or given up). */
    async stop() {
      stopping = true
      await running
      return journeys
    },
  }
}
