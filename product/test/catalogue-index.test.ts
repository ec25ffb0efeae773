import { describe, expect, it } from 'bun:test'
import { createCatalogue } from '../src/catalogue/catalogue.ts'
import { type LiveEntry, tombstone } from '../src/catalogue/entry.ts'
import type { ListProductsQuery } from '../src/products/schemas.ts'

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
}

const CATEGORIES = ['kitchen', 'garden', 'books', 'toys', 'rare']
const WORDS = ['Red', 'mug', 'Blue', 'lamp', 'Cable', 'book', 'tea']

function entry(rand: () => number, id: string, version: number): LiveEntry {
  const name = `${WORDS[Math.floor(rand() * WORDS.length)]} ${WORDS[Math.floor(rand() * WORDS.length)]}`
  return {
    id,
    version,
    deleted: false,
    name,
    nameLower: name.toLowerCase(),
    description: null,
    category: CATEGORIES[Math.floor(rand() * rand() * CATEGORIES.length)] as string,
    priceCents: 1 + Math.floor(rand() * 5_000),
    quantity: 1,
    // Few distinct times, so many ties are broken by id.
    createdMs: Math.floor(rand() * 200),
    updatedMs: 0,
  }
}

/** What the list must answer, computed the slow way from the live entries. */
function expected(live: LiveEntry[], query: ListProductsQuery) {
  const q = query.q?.toLowerCase()
  const hits = live
    .filter((e) => query.category === undefined || e.category === query.category)
    .filter((e) => query.min_price_cents === undefined || e.priceCents >= query.min_price_cents)
    .filter((e) => query.max_price_cents === undefined || e.priceCents <= query.max_price_cents)
    .filter((e) => !q || e.nameLower.includes(q))
    .sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1))
  return { ids: hits.slice(query.skip, query.skip + query.limit).map((e) => e.id), total: hits.length }
}

function randomQuery(rand: () => number): ListProductsQuery {
  const pick = <T>(value: T) => (rand() < 0.5 ? value : undefined)
  const low = Math.floor(rand() * 5_000)
  const width = [0, 10, 300, 5_000][Math.floor(rand() * 4)] as number
  return {
    skip: [0, 0, 3, 50, 700][Math.floor(rand() * 5)] as number,
    limit: [1, 20, 100][Math.floor(rand() * 3)] as number,
    category: pick(CATEGORIES[Math.floor(rand() * CATEGORIES.length)] as string),
    min_price_cents: pick(low),
    max_price_cents: pick(low + width),
    q: pick(['mug', 'RED', 'e', 'zzz', ''][Math.floor(rand() * 5)] as string),
  }
}

describe('the in-memory catalogue index', () => {
  it('answers every filtered, paged list as a full scan would, through creates, updates and deletes', () => {
    const rand = random(42)
    const catalogue = createCatalogue()
    const model = new Map<string, LiveEntry | undefined>()
    const versions = new Map<string, number>()
    const ids = Array.from({ length: 1_500 }, (_, i) => i.toString(16).padStart(24, '0'))
    const change = (id: string) => {
      const version = (versions.get(id) ?? 0) + 1
      versions.set(id, version)
      if (model.has(id) && rand() < 0.2) {
        model.set(id, undefined)
        catalogue.apply(tombstone(id, version))
      } else {
        const next = entry(rand, id, version)
        model.set(id, next)
        catalogue.apply(next)
      }
    }
    // The first half as a load at start-up, the rest applied one by one to the built indexes.
    for (const id of ids.slice(0, 750)) change(id)
    catalogue.finishLoading()
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 400; i++) change(ids[Math.floor(rand() * ids.length)] as string)
      const live = [...model.values()].filter((e): e is LiveEntry => e !== undefined)
      expect(catalogue.size).toBe(live.length)
      for (let i = 0; i < 150; i++) {
        const query = randomQuery(rand)
        const page = catalogue.list(query)
        expect({ query, ids: page.items.map((e) => e.id), total: page.total }).toEqual({
          query,
          ...expected(live, query),
        })
      }
    }
  })

  it('keeps the newest version whatever order versions arrive in, a delete included', () => {
    const rand = random(7)
    const catalogue = createCatalogue()
    catalogue.finishLoading()
    const id = 'a'.repeat(24)
    const v2 = entry(rand, id, 2)
    expect(catalogue.apply(v2)).toBe(true)
    expect(catalogue.apply(entry(rand, id, 1))).toBe(false)
    expect(catalogue.apply(v2)).toBe(false)
    expect(catalogue.get(id)).toBe(v2)
    expect(catalogue.apply(tombstone(id, 3))).toBe(true)
    expect(catalogue.apply(entry(rand, id, 2))).toBe(false)
    expect(catalogue.get(id)).toBeUndefined()
    expect(
      catalogue.list({ skip: 0, limit: 20, min_price_cents: undefined, max_price_cents: undefined }).total,
    ).toBe(0)
  })
})
