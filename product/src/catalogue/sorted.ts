import type { LiveEntry } from './entry.ts'

export type Compare = (a: LiveEntry, b: LiveEntry) => number

const byId = (a: LiveEntry, b: LiveEntry) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** The list order: creation time, then id (what `sort({created_at: 1, _id: 1})` gave). */
export const byCreated: Compare = (a, b) => a.createdMs - b.createdMs || byId(a, b)

/** Price, then the list order, so every key is unique and an entry is found again by binary search. */
export const byPrice: Compare = (a, b) => a.priceCents - b.priceCents || byCreated(a, b)

/** The first index whose element does not sort before `entry`. */
export function lowerBound(items: readonly LiveEntry[], entry: LiveEntry, compare: Compare) {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compare(items[mid] as LiveEntry, entry) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The first index whose price is at least `cents` in a price-ordered array. */
export function priceBound(items: readonly LiveEntry[], cents: number) {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((items[mid] as LiveEntry).priceCents < cents) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Inserts in order; new products are the newest, so in creation order this is an append. */
export function insertSorted(items: LiveEntry[], entry: LiveEntry, compare: Compare) {
  const last = items[items.length - 1]
  if (last === undefined || compare(last, entry) < 0) items.push(entry)
  else items.splice(lowerBound(items, entry, compare), 0, entry)
}

export function removeSorted(items: LiveEntry[], entry: LiveEntry, compare: Compare) {
  const at = lowerBound(items, entry, compare)
  if (items[at] === entry) items.splice(at, 1)
}
