import type { AppEnv } from '@shop/shared/http/app-env'
import { requireAdmin, requireUser, type VerifyToken } from '@shop/shared/http/auth'
import { NotFoundError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { Hono } from 'hono'
import { AdjustStock, ListStockQuery, ProductIdParam } from './schemas.ts'
import type { StockStore } from './store.ts'

export interface StockRoutesDeps {
  stock: StockStore
  verifyToken: VerifyToken
  /** Called after a change stored its event, so the relay publishes it now instead of at its next poll. */
  onEventStored: () => void
}

const notFound = (id: string) => new NotFoundError(`No stock entry for product ${id}`)

export const stockRoutes = ({ stock, verifyToken, onEventStored }: StockRoutesDeps) =>
  new Hono<AppEnv>()
    .get('/', validate('query', ListStockQuery), async (c) => {
      const { skip, limit, low_stock_below } = c.req.valid('query')
      const { items, total } = await stock.list({ skip, limit, lowStockBelow: low_stock_below })
      c.header('X-Total-Count', String(total))
      return c.json(items)
    })
    .get('/:product_id', validate('param', ProductIdParam), async (c) => {
      const { product_id } = c.req.valid('param')
      const entry = await stock.get(product_id)
      if (!entry) throw notFound(product_id)
      return c.json(entry)
    })
    .patch(
      '/:product_id',
      requireUser(verifyToken),
      requireAdmin,
      validate('param', ProductIdParam),
      validate('json', AdjustStock),
      async (c) => {
        const { product_id } = c.req.valid('param')
        const entry = await stock.adjust(product_id, c.req.valid('json'), c.var.requestId)
        if (!entry) throw notFound(product_id)
        onEventStored()
        c.var.log.info('Stock adjusted', { product_id, stock: entry.stock, by: c.var.user.id })
        return c.json(entry)
      },
    )
