import type { OpenApiDocument } from '../docs/openapi.ts'

/** One request that no route may accept: it must be answered with a 4xx, never a 5xx, and change nothing. */
export interface MalformedRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Uint8Array
  why: string
}

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema }
type OperationLike = {
  parameters?: { name: string; in: string }[]
  requestBody?: { content: Record<string, { schema: Schema }> }
  security?: unknown[]
}

const NUL = '\u0000'
const LONE_SURROGATE = '\ud800'
const deepJson = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

/** Values no property of any schema here accepts in place of what it expects. */
const WRONG_VALUES: [string, unknown][] = [
  ['NUL in text', `a${NUL}b`],
  ['unpaired surrogate', `a${LONE_SURROGATE}b`],
  ['object instead', { $gt: '' }],
  ['array instead', [1, 2]],
  ['huge number', 1e308],
  ['huge negative number', -1e308],
  ['deeply nested object', JSON.parse(`${'{"a":'.repeat(200)}1${'}'.repeat(200)}`)],
  ['very long text', 'x'.repeat(300_000)],
]

const BAD_PATH_VALUES = [
  'x',
  '%00',
  '%ZZ',
  'a'.repeat(2_000),
  '..%2F..',
  '%F0%9F%92%A9',
  '-1',
  '1e999',
  'null',
]
const BAD_QUERY_VALUES = [
  '%00',
  '%ZZ',
  '-1',
  '1e999',
  '99999999999999999999',
  'abc',
  `${'9'.repeat(400)}`,
  '%ED%A0%80',
]

/** What a sample path looks like with each `{param}` replaced by the given value (or its sample). */
const fill = (path: string, samples: Record<string, string>, override?: [string, string]) =>
  path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    override && override[0] === name ? override[1] : (samples[name] ?? 'aaaaaaaaaaaaaaaaaaaaaaaa'),
  )

function bodyVariants(schema: Schema | undefined): [string, string, string | Uint8Array][] {
  const json = 'application/json'
  const variants: [string, string, string | Uint8Array][] = [
    ['broken JSON', json, '{"a":'],
    ['JSON null', json, 'null'],
    ['JSON array', json, '[]'],
    ['JSON number', json, '12'],
    ['JSON true', json, 'true'],
    ['empty body', json, ''],
    ['byte-order mark and garbage', json, '\ufeff{"a":1'],
    ['deeply nested JSON', json, deepJson(20_000)],
    ['invalid UTF-8', json, new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ['text/plain body', 'text/plain', '{}'],
    ['form body on a JSON route', 'application/x-www-form-urlencoded', 'a=1'],
  ]
  for (const [name, property] of Object.entries(schema?.properties ?? {})) {
    for (const [why, value] of WRONG_VALUES) {
      variants.push([`${name}: ${why}`, json, JSON.stringify({ [name]: value })])
    }
    // One level down: each field of a nested object, or of an array's objects (`items[0].quantity`).
    const nested = property.items?.properties ?? property.properties
    const wrap = (inner: object) => (property.items ? [inner] : inner)
    for (const child of Object.keys(nested ?? {})) {
      for (const [why, value] of WRONG_VALUES) {
        const label = property.items ? `${name}[0].${child}` : `${name}.${child}`
        variants.push([`${label}: ${why}`, json, JSON.stringify({ [name]: wrap({ [child]: value }) })])
      }
    }
  }
  return variants
}

/**
 * Generates malformed requests for every operation of an OpenAPI document: bad path parameters, bad query
 * values, broken, mistyped, over-deep and over-long bodies and wrong content types, each sent with the given
 * credentials. `samples` gives a real value for path parameters (so a body is judged, not a missing id).
 */
export function malformedRequests(
  doc: OpenApiDocument,
  { samples = {}, authorization }: { samples?: Record<string, string>; authorization?: string } = {},
): MalformedRequest[] {
  const requests: MalformedRequest[] = []
  const auth: Record<string, string> = authorization ? { Authorization: authorization } : {}
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as OperationLike
      const upper = method.toUpperCase()
      const params = op.parameters ?? []
      for (const param of params.filter((p) => p.in === 'path')) {
        for (const value of BAD_PATH_VALUES) {
          requests.push({
            method: upper,
            path: fill(path, samples, [param.name, value]),
            headers: auth,
            why: `path ${param.name}=${value.slice(0, 20)}`,
          })
        }
      }
      for (const param of params.filter((p) => p.in === 'query')) {
        for (const value of BAD_QUERY_VALUES) {
          requests.push({
            method: upper,
            path: `${fill(path, samples)}?${param.name}=${value}`,
            headers: auth,
            why: `query ${param.name}=${value.slice(0, 20)}`,
          })
        }
      }
      const content = op.requestBody?.content
      if (content) {
        const schema = Object.values(content)[0]?.schema
        for (const [why, type, body] of bodyVariants(schema)) {
          requests.push({
            method: upper,
            path: fill(path, samples),
            headers: { ...auth, 'Content-Type': type },
            body,
            why: `body: ${why}`,
          })
        }
      }
      if (op.security && op.security.length > 0) {
        for (const [why, value] of [
          ['no token', undefined],
          ['garbage token', 'Bearer not.a.token'],
          ['oversized token', `Bearer ${'a'.repeat(8_000)}`],
          ['latin-1 token', 'Bearer \u00e9\u00e8'],
          ['wrong scheme', 'Basic dXNlcjpwYXNz'],
        ] as const) {
          requests.push({
            method: upper,
            path: fill(path, samples),
            headers: value === undefined ? {} : { Authorization: value },
            why: `auth: ${why}`,
          })
        }
      }
    }
  }
  return requests
}

/**
 * Sends each request to the app and returns the ones not answered with a 4xx: a 5xx, or a 2xx/3xx where the
 * request could have changed something (a write with a body). `every4xx` also counts a 2xx/3xx to any
 * malformed read (a bad query value that was ignored, a bad token that was let through).
 */
export async function fuzz(
  send: (request: MalformedRequest) => Response | Promise<Response>,
  requests: MalformedRequest[],
  { every4xx = false }: { every4xx?: boolean } = {},
) {
  const failures: string[] = []
  for (const request of requests) {
    let status: number
    try {
      status = (await send(request)).status
    } catch (error) {
      failures.push(`${request.method} ${request.path.slice(0, 80)} (${request.why}): threw ${error}`)
      continue
    }
    const isWrite = request.method !== 'GET'
    if (status >= 500 || (status < 400 && (every4xx || (isWrite && request.body !== undefined)))) {
      failures.push(`${request.method} ${request.path.slice(0, 80)} (${request.why}): ${status}`)
    }
  }
  return failures
}
