import { z } from 'zod'

/**
 * The paging of every collection: `skip` from 0 to 10,000 (deeper pages are refused rather than scanned),
 * `limit` 20 by default and at most 100.
 */
export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100
export const MAX_SKIP = 10_000

/** Spread into a route's strict query schema. */
export const pagingQuery = {
  skip: z.coerce.number().int().min(0).max(MAX_SKIP).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
}
