import { z } from 'zod'

/** SYSTEM.md's paging for every collection: `skip` from 0, `limit` 20 by default and at most 100. */
export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100

/** Spread into a route's strict query schema. */
export const pagingQuery = {
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
}
