import type { AppEnv } from '@shop/shared/http/app-env'
import { requireAdmin, requireUser, type VerifyToken } from '@shop/shared/http/auth'
import { NotFoundError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import type { Sql } from '@shop/shared/postgres/connect'
import { Hono } from 'hono'
import { adjustStock } from './adjust-stock.ts'
import { listMovements } from './ledger.ts'
import { AdjustStock, HistoryQuery, ListStockQuery, ProductIdParam } from './schemas.ts'
import type { StockStore } from './store.ts'

export interface StockRoutesDeps {
  sql: Sql
  stock: StockStore
  verifyToken: VerifyToken
  /** Called after a change stored its event, so the relay publishes it now instead of at its next poll. */
  wakeRelay: () => void
}

const notFound = (id: string) => new NotFoundError(`No stock entry for product ${id}`)

export const stockRoutes = ({ sql, stock, verifyToken, wakeRelay }: StockRoutesDeps) =>
  new Hono<AppEnv>()
    .get('/', validate('query', ListStockQuery), async (c) => {
      const { skip, limit, low_stock_below, low_stock } = c.req.valid('query')
      const { items, total } = await stock.list({
        skip,
        limit,
        lowStockBelow: low_stock_below,
        lowStock: low_stock,
      })
      c.header('X-Total-Count', String(total))
      return c.json(items)
    })
    // The seed's name for `?low_stock=true`.
    .get('/low-stock', validate('query', HistoryQuery), async (c) => {
      const { skip, limit } = c.req.valid('query')
      const { items, total } = await stock.list({ skip, limit, lowStock: true })
      c.header('X-Total-Count', String(total))
      return c.json(items)
    })
    .get('/:product_id', validate('param', ProductIdParam), async (c) => {
      const { product_id } = c.req.valid('param')
      const entry = await stock.get(product_id)
      if (!entry) throw notFound(product_id)
      return c.json(entry)
    })
    .get(
      '/:product_id/history',
      requireUser(verifyToken),
      requireAdmin,
      validate('param', ProductIdParam),
      validate('query', HistoryQuery),
      async (c) => {
        const { product_id } = c.req.valid('param')
        const page = await listMovements(sql, product_id, c.req.valid('query'))
        if (!page) throw notFound(product_id)
        c.header('X-Total-Count', String(page.total))
        return c.json(page.items)
      },
    )
    .patch(
      '/:product_id',
      requireUser(verifyToken),
      requireAdmin,
      validate('param', ProductIdParam),
      validate('json', AdjustStock),
      async (c) => {
        const { product_id } = c.req.valid('param')
        const body = c.req.valid('json')
        const entry = await adjustStock(sql, product_id, body, {
          actor: c.var.user.id,
          correlationId: c.var.requestId,
        })
        if (!entry) throw notFound(product_id)
        wakeRelay()
        c.var.log.info('Stock adjusted', { product_id, stock: entry.stock, by: c.var.user.id })
        return c.json(entry)
      },
    )
