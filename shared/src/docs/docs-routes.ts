import { Hono } from 'hono'
import type { AppEnv } from '../http/app-env.ts'
import { asyncApiDocument } from './asyncapi.ts'
import { DOCS_TAG, mergeOpenApi, type OpenApiDocument, type Operation } from './openapi.ts'

const PEER_TIMEOUT_MS = 2_000
const MERGED_CACHE_MS = 30_000
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const

const tag = DOCS_TAG

/** The routes of docsRoutes, for the document of the service that mounts them. */
export const docsOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    tag,
    summary: 'The whole HTTP API: this document, merged from every service’s own /openapi.json',
    responses: { 200: { description: 'OpenAPI 3.1' } },
  },
  {
    method: 'get',
    path: '/api/v1/asyncapi.json',
    tag,
    summary: 'Every Kafka topic and its .dlq: payloads, CloudEvents headers, key, senders and receivers',
    responses: { 200: { description: 'AsyncAPI 3.0' } },
  },
  {
    method: 'get',
    path: '/api/v1/docs',
    tag,
    summary: 'The reference page (Swagger UI, served from here, no CDN)',
    responses: { 200: { description: 'HTML' } },
  },
  ...ASSETS.map(
    (name): Operation => ({
      method: 'get',
      path: `/api/v1/docs/assets/${name}`,
      tag,
      summary: `The reference page’s ${name.endsWith('.css') ? 'styles' : 'script'} (swagger-ui-dist)`,
      responses: { 200: { description: name.endsWith('.css') ? 'CSS' : 'JavaScript' } },
    }),
  ),
]

/** Each service's own document, on its own port. */
export const openApiRoute = (doc: OpenApiDocument) =>
  new Hono<AppEnv>().get('/openapi.json', (c) => c.json(doc))

const referencePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shop API reference</title>
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', validatorUrl: null, deepLinking: true })
</script>
</body>
</html>`

/**
 * The whole API's documentation for the gateway: `/api/v1/openapi.json` merges this service's document with
 * its peers' `/openapi.json` (fetched, cached briefly; a peer that does not answer is left out and named in
 * the description), `/api/v1/asyncapi.json` the events, and `/api/v1/docs` Swagger UI with its script and
 * styles served from the swagger-ui-dist package, so the page needs nothing outside this system.
 */
export function docsRoutes({
  own,
  peers,
  fetch: fetchPeer = fetch,
}: {
  own: OpenApiDocument
  /** Base URLs of the other services, e.g. http://127.0.0.1:8001. */
  peers: string[]
  fetch?: typeof fetch
}) {
  let cached: { at: number; doc: OpenApiDocument } | undefined
  const asyncApi = asyncApiDocument()

  const peerDocument = async (base: string) => {
    const response = await fetchPeer(new URL('/openapi.json', base), {
      signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
    })
    if (!response.ok) throw new Error(`${base} answered ${response.status}`)
    return (await response.json()) as OpenApiDocument
  }

  const merged = async () => {
    if (cached && Date.now() - cached.at < MERGED_CACHE_MS) return cached.doc
    const results = await Promise.allSettled(peers.map(peerDocument))
    const found = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
    const missing = peers.filter((_, i) => results[i]?.status === 'rejected')
    const doc = mergeOpenApi([own, ...found])
    if (missing.length > 0)
      doc.info.description += ` Not answering just now, so left out: ${missing.join(', ')}.`
    else cached = { at: Date.now(), doc }
    return doc
  }

  const assets = new Hono<AppEnv>()
  for (const name of ASSETS) {
    const path = Bun.resolveSync(`swagger-ui-dist/${name}`, import.meta.dir)
    assets.get(`/${name}`, () => {
      const type = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8'
      return new Response(Bun.file(path), {
        headers: { 'Content-Type': type, 'Cache-Control': 'public, max-age=3600' },
      })
    })
  }

  return new Hono<AppEnv>()
    .get('/api/v1/openapi.json', async (c) => c.json(await merged()))
    .get('/api/v1/asyncapi.json', (c) => c.json(asyncApi))
    .get('/api/v1/docs', (c) => c.html(referencePage))
    .route('/api/v1/docs/assets', assets)
}
