import type { ListProductsQuery } from '../products/schemas.ts'
import type { Entry, LiveEntry } from './entry.ts'
import { createNameSearch, type NameSearch, searchable } from './name-search.ts'
import { byCreated, byPrice, insertSorted, priceBound, removeSorted } from './sorted.ts'

/** Live products of one category (or of all), in list order and in price order. */
interface Scope {
  byCreated: LiveEntry[]
  byPrice: LiveEntry[]
  /** The joined names for searches, built on the first search after a change. */
  names?: NameSearch
}

export interface Page {
  items: LiveEntry[]
  total: number
}

// Below this share of the scope, a price range is gathered from the price order and sorted; above it, the
// list order is scanned, which finds a page after about (skip + limit) / share entries.
const GATHER_SHARE = 1 / 8

const emptyScope = (): Scope => ({ byCreated: [], byPrice: [] })

const namesOf = (scope: Scope) => {
  scope.names ??= createNameSearch(scope.byCreated)
  return scope.names
}

export type Catalogue = ReturnType<typeof createCatalogue>

/**
 * The live catalogue in memory. Every change arrives as an entry at a version (from this process's own
 * writes, from product events, from the load at start) and is applied only when it is newer than what is
 * held, so duplicates, replays and events overtaken by a load change nothing. While `loading`, entries only
 * go into the map; `finishLoading` builds the ordered indexes once, instead of 100k sorted inserts.
 */
export function createCatalogue() {
  const entries = new Map<string, Entry>()
  const all = emptyScope()
  const categories = new Map<string, Scope>()
  const names = new Map<string, string>()
  let indexed = false
  let liveCount = 0
  let generation = 0

  const intern = (category: string) => {
    const known = names.get(category)
    if (known !== undefined) return known
    names.set(category, category)
    return category
  }

  const scopesOf = (entry: LiveEntry) => {
    let scope = categories.get(entry.category)
    if (!scope) {
      scope = emptyScope()
      categories.set(entry.category, scope)
    }
    return [all, scope]
  }

  const index = (entry: LiveEntry) => {
    for (const scope of scopesOf(entry)) {
      insertSorted(scope.byCreated, entry, byCreated)
      insertSorted(scope.byPrice, entry, byPrice)
      scope.names = undefined
    }
  }

  const unindex = (entry: LiveEntry) => {
    for (const scope of scopesOf(entry)) {
      removeSorted(scope.byCreated, entry, byCreated)
      removeSorted(scope.byPrice, entry, byPrice)
      scope.names = undefined
    }
    if (categories.get(entry.category)?.byCreated.length === 0) categories.delete(entry.category)
  }

  /** Applies an entry if it is newer than the one held; answers whether it changed anything. */
  function apply(entry: Entry): boolean {
    const held = entries.get(entry.id)
    if (held && held.version >= entry.version) return false
    entries.set(entry.id, entry)
    generation++
    if (held && !held.deleted) liveCount--
    if (!entry.deleted) liveCount++
    if (indexed) {
      if (held && !held.deleted) unindex(held)
      if (!entry.deleted) index(entry)
    }
    return true
  }

  function finishLoading() {
    for (const entry of entries.values()) {
      if (entry.deleted) continue
      for (const scope of scopesOf(entry)) {
        scope.byCreated.push(entry)
        scope.byPrice.push(entry)
      }
    }
    for (const scope of [all, ...categories.values()]) {
      scope.byCreated.sort(byCreated)
      scope.byPrice.sort(byPrice)
    }
    indexed = true
  }

  function list(query: ListProductsQuery): Page {
    const scope = query.category === undefined ? all : categories.get(query.category)
    if (!scope) return { items: [], total: 0 }
    const { skip, limit } = query
    const q = query.q ? query.q.toLowerCase() : undefined
    const ranged = query.min_price_cents !== undefined || query.max_price_cents !== undefined
    if (!ranged && q === undefined) {
      return { items: scope.byCreated.slice(skip, skip + limit), total: scope.byCreated.length }
    }

    const min = query.min_price_cents ?? Number.NEGATIVE_INFINITY
    const max = query.max_price_cents ?? Number.POSITIVE_INFINITY
    const from = ranged ? priceBound(scope.byPrice, min) : 0
    const to = ranged ? priceBound(scope.byPrice, max + 1) : scope.byPrice.length
    const inRange = to - from
    const matches = (entry: LiveEntry) =>
      entry.priceCents >= min && entry.priceCents <= max && (q === undefined || entry.nameLower.includes(q))

    if (ranged && inRange < scope.byCreated.length * GATHER_SHARE) {
      const found = scope.byPrice.slice(from, to)
      const hits = (q === undefined ? found : found.filter(matches)).sort(byCreated)
      return { items: hits.slice(skip, skip + limit), total: hits.length }
    }

    const items: LiveEntry[] = []
    let seen = 0
    if (q !== undefined && searchable(q)) {
      namesOf(scope).each(q, (entry) => {
        if (entry.priceCents < min || entry.priceCents > max) return
        if (seen >= skip && items.length < limit) items.push(entry)
        seen++
      })
      return { items, total: seen }
    }

    // The range alone already gives the total, so the scan stops at the end of the page.
    const totalKnown = q === undefined
    if (totalKnown && skip >= inRange) return { items: [], total: inRange }
    for (const entry of scope.byCreated) {
      if (!matches(entry)) continue
      if (seen >= skip && items.length < limit) items.push(entry)
      seen++
      if (totalKnown && items.length === limit) break
    }
    return { items, total: totalKnown ? inRange : seen }
  }

  return {
    apply,
    finishLoading,
    intern,
    list,
    /** A live product, or undefined for one unknown or deleted. */
    get(id: string): LiveEntry | undefined {
      const entry = entries.get(id)
      return entry && !entry.deleted ? entry : undefined
    },
    /** The version held for a product (deleted ones included), 0 when none is. */
    version: (id: string) => entries.get(id)?.version ?? 0,
    get loaded() {
      return indexed
    },
    /** Counts the changes applied; answers computed at one generation stay true until the next. */
    get generation() {
      return generation
    },
    get size() {
      return liveCount
    },
  }
}
