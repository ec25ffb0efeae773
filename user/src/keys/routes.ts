import type { AppEnv } from '@shop/shared/http/app-env'
import { Hono } from 'hono'
import type { JSONWebKeySet } from 'jose'

/** Other services cache the key set; five minutes keeps a key change visible soon without refetching per token. */
const CACHE_CONTROL = 'public, max-age=300'

export const jwksRoutes = (jwks: () => JSONWebKeySet) =>
  new Hono<AppEnv>().get('/.well-known/jwks.json', (c) => {
    c.header('Cache-Control', CACHE_CONTROL)
    return c.json(jwks())
  })
