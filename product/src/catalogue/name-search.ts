import type { LiveEntry } from './entry.ts'

/** Never in a name or a search (Text refuses NUL), so no match can span two names. */
const SEPARATOR = '\u0000'

/**
 * The lower-cased names of a scope's products in list order, joined into one string: a search is then a
 * few `indexOf` calls over it instead of one `includes` per product (at 100,000 products, a search that
 * finds little costs a fraction of a millisecond instead of milliseconds). Built when first searched and
 * dropped by the scope whenever one of its products changes.
 */
export function createNameSearch(entries: readonly LiveEntry[]) {
  const starts = new Int32Array(entries.length + 1)
  const names: string[] = new Array(entries.length)
  let at = 0
  for (let i = 0; i < entries.length; i++) {
    const name = (entries[i] as LiveEntry).nameLower
    starts[i] = at
    names[i] = name
    at += name.length + 1
  }
  starts[entries.length] = at
  const text = names.join(SEPARATOR)

  /** The entry whose name holds the character at `position`: the last start at or before it. */
  const entryAt = (position: number) => {
    let lo = 0
    let hi = entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((starts[mid + 1] as number) <= position) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  return {
    /** Calls `found` with each entry (in list order) whose name contains `q`, which is lower-cased. */
    each(q: string, found: (entry: LiveEntry) => void) {
      let from = 0
      for (;;) {
        const position = text.indexOf(q, from)
        if (position < 0) return
        const index = entryAt(position)
        found(entries[index] as LiveEntry)
        from = starts[index + 1] as number
      }
    },
  }
}

export type NameSearch = ReturnType<typeof createNameSearch>

/** Whether a search can use the joined names (anything else falls back to a scan). */
export const searchable = (q: string) => q.length > 0 && !q.includes(SEPARATOR)
