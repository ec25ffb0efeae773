import { restartStack, sigkill, type stackShape } from './faults.ts'

type Shape = Awaited<ReturnType<typeof stackShape>>

export interface FaultTimes {
  /** performance.now() when the fault began, and when the stack was whole again. */
  faultAt: number
  restoredAt: number
  note: string
}

export interface Scenario {
  id: string
  title: string
  /** Why the running stack cannot do this one, or undefined when it can. */
  unavailable(shape: Shape): string | undefined
  /** Runs the fault during the load and puts the stack back; none for a pure load scenario. */
  fault?: (shape: Shape) => Promise<FaultTimes>
  cancelRace?: boolean
}

const HOLD_MS = Number(process.env.CHAOS_HOLD_SECONDS ?? 10) * 1000
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** Kills a server, keeps it down for `holdMs`, then brings it back with the stack's own script. */
async function killAndRestart(name: string, holdMs: number): Promise<FaultTimes> {
  const faultAt = performance.now()
  const pid = await sigkill(name)
  if (holdMs > 0) await Bun.sleep(holdMs)
  const upMs = await restartStack()
  return {
    faultAt,
    restoredAt: performance.now(),
    note: `SIGKILL ${name} (pid ${pid}), ${holdMs > 0 ? `down ${seconds(holdMs)}, ` : ''}stack/up brought it back in ${seconds(upMs)}`,
  }
}

/** The replica to kill: the second process when there are two, else the only one. */
const victim = (shape: Shape, service: string) => {
  const replicas = shape.replicas(service)
  return replicas[1] ?? replicas[0]
}

const serviceKill = (service: string): Scenario => ({
  id: `kill-${service}`,
  title: `SIGKILL a ${service} process, restart it`,
  unavailable: (shape) => {
    const name = victim(shape, service)
    if (!name) return `no ${service} process runs`
    if (shape.stale.includes(name)) {
      return `${name} started before a change to its migrations: its restart would apply them (restart the stack first, or CHAOS_RESTART_ANYWAY=1)`
    }
    return undefined
  },
  fault: async (shape) => {
    const name = victim(shape, service) as string
    const times = await killAndRestart(name, 0)
    const replicas = shape.replicas(service).length
    return {
      ...times,
      note: `${times.note}; ${replicas > 1 ? `one of ${replicas} replicas` : 'the only process'}`,
    }
  },
})

export const SCENARIOS: Scenario[] = [
  {
    id: 'broker-1-of-3',
    title: 'SIGKILL one of three Kafka brokers',
    unavailable: (shape) =>
      shape.kafka.length >= 3
        ? undefined
        : `the stack runs ${shape.kafka.length} Kafka node(s): start it with KAFKA_NODES=3`,
    fault: (shape) => killAndRestart(shape.kafka[1] as string, HOLD_MS),
  },
  {
    id: 'broker-down',
    title: `SIGKILL the single Kafka broker for ${seconds(HOLD_MS)}`,
    unavailable: (shape) =>
      shape.kafka.length === 1
        ? undefined
        : `the stack runs ${shape.kafka.length} Kafka nodes, not a single broker`,
    fault: () => killAndRestart('kafka', HOLD_MS),
  },
  serviceKill('order'),
  serviceKill('inventory'),
  serviceKill('product'),
  serviceKill('user'),
  {
    id: 'cancel-race',
    title: 'cancels racing reservations',
    unavailable: () => undefined,
    cancelRace: true,
  },
]
