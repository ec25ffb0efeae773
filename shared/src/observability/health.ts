import type { ReadinessChecks } from '../http/health.ts'

/** A long-running part of a service that can fail on its own: a consumer group, an outbox relay. */
export interface ComponentHealth {
  /** Undefined while healthy; otherwise why not, in a sentence. */
  problem(): string | undefined
}

export type ComponentKind = 'consumers' | 'relay'

/**
 * The process's long-running parts by kind, turned into readiness checks: `/ready` gets a `consumers` check
 * once a consumer has started and a `relay` check once a relay has, each down while any part of its kind
 * reports a problem. Apps attach their readiness object once; parts that start later still show up in it.
 */
export function createHealthRegistry() {
  const parts = new Map<ComponentKind, Set<ComponentHealth>>()
  const targets = new Set<ReadinessChecks>()

  const check = (kind: ComponentKind) => async () => {
    const problems = [...(parts.get(kind) ?? [])].flatMap((part) => part.problem() ?? [])
    if (problems.length > 0) throw new Error(problems.join('; '))
  }

  const expose = (kind: ComponentKind, target: ReadinessChecks) => {
    target[kind] ??= check(kind)
  }

  return {
    /** Registers a part; the returned function unregisters it (a stopped part is not a failed one). */
    register(kind: ComponentKind, part: ComponentHealth) {
      const set = parts.get(kind) ?? new Set()
      parts.set(kind, set)
      set.add(part)
      for (const target of targets) expose(kind, target)
      return () => set.delete(part)
    },
    /** Adds the checks of every kind registered now or later to an app's readiness checks. */
    attach(target: ReadinessChecks) {
      targets.add(target)
      for (const kind of parts.keys()) expose(kind, target)
    },
    problems(kind: ComponentKind) {
      return [...(parts.get(kind) ?? [])].flatMap((part) => part.problem() ?? [])
    },
  }
}

export type HealthRegistry = ReturnType<typeof createHealthRegistry>
