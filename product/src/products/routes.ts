import type { AppEnv } from '@shop/shared/http/app-env'
import { requireAdmin, requireUser, type VerifyToken } from '@shop/shared/http/auth'
import { NotFoundError, ServiceUnavailableError } from '@shop/shared/http/errors'
import { validate } from '@shop/shared/http/validate'
import { type Context, Hono } from 'hono'
import type { Catalogue } from '../catalogue/catalogue.ts'
import { entryOf, type LiveEntry, toBody } from '../catalogue/entry.ts'
import { itemTag, listTag, matches } from '../catalogue/etag.ts'
import { createListCache } from '../catalogue/list-cache.ts'
import { CreateProduct, IdParam, ListQuery, UpdateProduct } from './schemas.ts'
import type { ProductStore, StoredProduct } from './store.ts'

export interface ProductRoutesDeps {
  products: ProductStore
  catalogue: Catalogue
  verifyToken: VerifyToken
  /** Called after a write stored an event, so the relay publishes it now instead of at its next poll. */
  wakeRelay: () => void
}

/** Lists may be a few seconds stale in a cache; an item is revalidated every time (its ETag makes that cheap). */
const LIST_CACHE_CONTROL = 'public, max-age=5'
const ITEM_CACHE_CONTROL = 'no-cache'

/** The answer to a create or an update: the product as written (never a tombstone). */
const bodyOf = (doc: StoredProduct) => toBody(entryOf(doc) as LiveEntry)

const notFound = (id: string) => new NotFoundError(`No product with id ${id}`)

/** 304 when the client already holds this answer, else the answer itself; both carry the tag. */
function conditional(c: Context<AppEnv>, tag: string, cacheControl: string, body: () => unknown) {
  c.header('ETag', tag)
  c.header('Cache-Control', cacheControl)
  if (matches(c.req.header('If-None-Match'), tag)) return c.body(null, 304)
  return c.json(body())
}

export const productRoutes = ({ products, catalogue, verifyToken, wakeRelay }: ProductRoutesDeps) => {
  const admin = [requireUser(verifyToken), requireAdmin] as const
  const list = createListCache(catalogue)
  const loaded = () => {
    if (!catalogue.loaded) throw new ServiceUnavailableError('The catalogue is still loading')
    return catalogue
  }
  /**
   * An id this process has never heard of may have just been created by another process whose event is
   * still on its way: that one read goes to MongoDB (as every 404 did before), so a client that creates on
   * one replica and reads on another finds its product. Deleted ones are known and answered from memory.
   */
  const written = async (id: string) => {
    if (catalogue.version(id) > 0) return undefined
    const doc = await products.find(id)
    if (doc) catalogue.apply(entryOf(doc, catalogue.intern))
    return catalogue.get(id)
  }
  /** A write is in this process's memory at once, before its event comes back from Kafka. */
  const remember = (doc: StoredProduct) => {
    catalogue.apply(entryOf(doc, catalogue.intern))
    wakeRelay()
  }

  return new Hono<AppEnv>()
    .get('/', validate('query', ListQuery), (c) => {
      loaded()
      const { items, total } = list(c.req.valid('query'))
      c.header('X-Total-Count', String(total))
      return conditional(c, listTag(items, total), LIST_CACHE_CONTROL, () => items.map(toBody))
    })
    .get('/:id', validate('param', IdParam), async (c) => {
      const { id } = c.req.valid('param')
      const entry = loaded().get(id) ?? (await written(id))
      if (!entry) throw notFound(id)
      return conditional(c, itemTag(entry), ITEM_CACHE_CONTROL, () => toBody(entry))
    })
    .post('/', ...admin, validate('json', CreateProduct), async (c) => {
      const product = await products.create(c.req.valid('json'), { correlationId: c.var.requestId })
      remember(product)
      const body = bodyOf(product)
      c.var.log.info('Product created', { product_id: body._id })
      c.header('Location', `${c.req.path.replace(/\/$/, '')}/${body._id}`)
      return c.json(body, 201)
    })
    .patch('/:id', ...admin, validate('param', IdParam), validate('json', UpdateProduct), async (c) => {
      const { id } = c.req.valid('param')
      const product = await products.update(id, c.req.valid('json'), { correlationId: c.var.requestId })
      if (!product) throw notFound(id)
      remember(product)
      return c.json(bodyOf(product))
    })
    .delete('/:id', ...admin, validate('param', IdParam), async (c) => {
      const { id } = c.req.valid('param')
      const tombstone = await products.remove(id, { correlationId: c.var.requestId })
      if (!tombstone) throw notFound(id)
      remember(tombstone)
      c.var.log.info('Product deleted', { product_id: id })
      return c.body(null, 204)
    })
}
