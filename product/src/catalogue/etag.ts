import type { LiveEntry } from './entry.ts'

/**
 * Weak ETags from versions. An item's is its id and version. A list's is a hash of its total and the ids and
 * versions of its page, so it changes whenever the answer does, and two replicas holding the same catalogue
 * give the same tag (a per-process change counter would not: behind a load balancer, one replica's tag
 * could match another's different answer).
 */
export const itemTag = (entry: LiveEntry) => `W/"${entry.id}.${entry.version}"`

export function listTag(items: readonly LiveEntry[], total: number) {
  let text = String(total)
  for (const entry of items) text += `,${entry.id}.${entry.version}`
  return `W/"l${Bun.hash(text).toString(36)}"`
}

/** Whether `If-None-Match` names this tag (weak comparison, `*` matching anything). */
export function matches(ifNoneMatch: string | undefined, tag: string) {
  if (!ifNoneMatch) return false
  if (ifNoneMatch.trim() === '*') return true
  const opaque = tag.replace(/^W\//, '')
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === opaque)
}
