import type { ListProductsQuery } from '../products/schemas.ts'
import type { Catalogue, Page } from './catalogue.ts'

/** Enough for the pages a shop's clients ask for again and again; the oldest go first. */
const MAX_PAGES = 1_000

/**
 * Remembers list answers until the catalogue next changes, so a popular page (or a name search, which has
 * to scan) is computed once per change rather than once per request.
 */
export function createListCache(catalogue: Pick<Catalogue, 'list' | 'generation'>) {
  const pages = new Map<string, Page>()
  let generation = catalogue.generation

  return (query: ListProductsQuery): Page => {
    if (generation !== catalogue.generation) {
      pages.clear()
      generation = catalogue.generation
    }
    const { skip, limit, category, min_price_cents, max_price_cents, q } = query
    const key = JSON.stringify([skip, limit, category, min_price_cents, max_price_cents, q])
    const known = pages.get(key)
    if (known) return known
    const page = catalogue.list(query)
    if (pages.size >= MAX_PAGES) pages.delete(pages.keys().next().value as string)
    pages.set(key, page)
    return page
  }
}
