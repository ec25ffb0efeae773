import type { AppEnv } from '@shop/shared/http/app-env'
import { requireAdmin, requireUser, type VerifyToken } from '@shop/shared/http/auth'
import { NotFoundError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { Hono } from 'hono'
import { toProduct } from './document.ts'
import { CreateProduct, IdParam, ListQuery, UpdateProduct } from './schemas.ts'
import type { ProductStore } from './store.ts'

export interface ProductRoutesDeps {
  products: ProductStore
  verifyToken: VerifyToken
  /** Called after a write stored an event, so the relay publishes it now instead of at its next poll. */
  onEventStored: () => void
}

const notFound = (id: string) => new NotFoundError(`No product with id ${id}`)

export const productRoutes = ({ products, verifyToken, onEventStored }: ProductRoutesDeps) => {
  const admin = [requireUser(verifyToken), requireAdmin] as const
  return new Hono<AppEnv>()
    .get('/', validate('query', ListQuery), async (c) => {
      const { items, total } = await products.list(c.req.valid('query'))
      c.header('X-Total-Count', String(total))
      return c.json(items.map(toProduct))
    })
    .get('/:id', validate('param', IdParam), async (c) => {
      const { id } = c.req.valid('param')
      const product = await products.get(id)
      if (!product) throw notFound(id)
      return c.json(toProduct(product))
    })
    .post('/', ...admin, validate('json', CreateProduct), async (c) => {
      const product = await products.create(c.req.valid('json'), { correlationId: c.var.requestId })
      onEventStored()
      const body = toProduct(product)
      c.var.log.info('Product created', { product_id: body._id })
      c.header('Location', `${c.req.path.replace(/\/$/, '')}/${body._id}`)
      return c.json(body, 201)
    })
    .patch('/:id', ...admin, validate('param', IdParam), validate('json', UpdateProduct), async (c) => {
      const { id } = c.req.valid('param')
      const product = await products.update(id, c.req.valid('json'), { correlationId: c.var.requestId })
      if (!product) throw notFound(id)
      onEventStored()
      return c.json(toProduct(product))
    })
    .delete('/:id', ...admin, validate('param', IdParam), async (c) => {
      const { id } = c.req.valid('param')
      if (!(await products.remove(id, { correlationId: c.var.requestId }))) throw notFound(id)
      onEventStored()
      c.var.log.info('Product deleted', { product_id: id })
      return c.body(null, 204)
    })
}
