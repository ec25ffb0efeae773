import type { Hono } from 'hono'
import { type OpenApiDocument, toOpenApiPath } from './openapi.ts'

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete'])
const normalise = (path: string) => (path.length > 1 ? path.replace(/\/+$/, '') : path)

/**
 * Compares the routes an app registered with the ones its document describes, both ways, so that a route
 * added without documentation (or documented and never built) fails a test. Middleware (`use`) is not a route.
 */
// biome-ignore lint/suspicious/noExplicitAny: any Hono app
export function routeDrift(app: Hono<any, any, any>, doc: OpenApiDocument, ignore: string[] = []) {
  const key = (method: string, path: string) => `${method.toUpperCase()} ${normalise(toOpenApiPath(path))}`
  const registered = new Set(
    app.routes
      .filter((route) => METHODS.has(route.method.toLowerCase()))
      .map((route) => key(route.method, route.path)),
  )
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => METHODS.has(method))
        .map((method) => key(method, path)),
    ),
  )
  const skip = new Set(ignore)
  return {
    undocumented: [...registered].filter((route) => !documented.has(route) && !skip.has(route)).sort(),
    unregistered: [...documented].filter((route) => !registered.has(route) && !skip.has(route)).sort(),
  }
}
