/**
 * The ceiling for the HTTP cases: a bare Hono app on Bun answering the same product JSON from a constant,
 * with no middleware, store or validation. Reads the product from CEILING_PRODUCT, listens on a port the
 * kernel picks and prints it on its first line.
 */
import { Hono } from 'hono'

const product = JSON.parse(process.env.CEILING_PRODUCT ?? '{}')
const page = Array.from({ length: 20 }, () => product)

const app = new Hono()
  .get('/health', (c) => c.json({ status: 'ok', service: 'ceiling' }))
  .get('/api/v1/products/:id', (c) => c.json(product))
  .get('/api/v1/products/', (c) => {
    c.header('X-Total-Count', String(page.length))
    return c.json(page)
  })

const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch })
console.log(server.port)
process.on('SIGTERM', () => {
  server.stop(true)
  process.exit(0)
})
