import type { z } from 'zod'
import { type JsonSchema, jsonSchema } from './json-schema.ts'
import { ProblemDetails } from './problem-schema.ts'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

export interface Answer {
  description: string
  schema?: z.ZodType
  /** Response headers by name, each with its description. */
  headers?: Record<string, string>
  example?: unknown
}

/** One route as documented: the same zod schemas the route validates with, and the schemas of its answers. */
export interface Operation {
  method: HttpMethod
  /** OpenAPI form: `/api/v1/orders/{id}`. */
  path: string
  summary: string
  description?: string
  tag: string
  /** `user`: a bearer token; `admin`: a bearer token with role admin; absent: public. */
  auth?: 'user' | 'admin'
  params?: z.ZodType
  query?: z.ZodType
  headers?: z.ZodType
  body?: z.ZodType
  /** Defaults to application/json. */
  bodyType?: string
  bodyExample?: unknown
  responses: Record<number, Answer>
  /** Error statuses this route answers with problem+json, besides 400/401/403 implied by input and auth. */
  errors?: number[]
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed or invalid input; `errors` names each field',
  401: 'Missing, expired or invalid access token',
  403: 'Signed in, but not allowed (wrong role or someone else’s resource)',
  404: 'No such resource',
  409: 'Conflict with the current state',
  413: 'Body over 1 MiB',
  415: 'Content-Type is not application/json',
  422: 'A business rule was broken',
  429: 'Too many attempts; see Retry-After',
  503: 'A dependency is unavailable; try again',
}

const problem = (status: number) => ({
  description: ERROR_TEXT[status] ?? 'Error',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
})

/** Each property of an input object schema (refinements and transforms allowed) as one parameter. */
const parameters = (where: 'path' | 'query' | 'header', schema: z.ZodType | undefined) => {
  if (!schema) return []
  const object = jsonSchema(schema, { io: 'input' }) as {
    properties?: Record<string, JsonSchema>
    required?: string[]
  }
  const required = new Set(object.required ?? [])
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    // Swagger UI shows a parameter's own description, not its schema's.
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }))
}

function operationObject(op: Operation, service: string) {
  const hasInput = op.params || op.query || op.headers || op.body
  const statuses = new Set([
    ...(hasInput ? [400] : []),
    ...(op.body ? [413, 415] : []),
    ...(op.auth ? [401] : []),
    ...(op.auth === 'admin' ? [403] : []),
    ...(op.errors ?? []),
  ])
  const responses: Record<string, unknown> = {}
  for (const [status, answer] of Object.entries(op.responses)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(answer.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(answer.schema
        ? {
            content: {
              'application/json': {
                schema: jsonSchema(answer.schema),
                ...(answer.example === undefined ? {} : { example: answer.example }),
              },
            },
          }
        : {}),
    }
  }
  for (const status of statuses) responses[String(status)] ??= problem(status)
  return {
    operationId: `${service}.${op.method}.${op.path}`,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    ...(op.auth ? { security: [{ bearer: [] }] } : { security: [] }),
    parameters: [
      ...parameters('path', op.params),
      ...parameters('query', op.query),
      ...parameters('header', op.headers),
    ],
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: {
              [op.bodyType ?? 'application/json']: {
                schema: jsonSchema(op.body, { io: 'input' }),
                ...(op.bodyExample === undefined ? {} : { example: op.bodyExample }),
              },
            },
          },
        }
      : {}),
    responses,
  }
}

/** Liveness, readiness and the document itself: the same on every service. */
const serviceOperations = (tag: string): Operation[] => [
  {
    method: 'get',
    path: '/health',
    tag,
    summary: 'Liveness (no I/O)',
    responses: { 200: { description: 'Alive' } },
  },
  {
    method: 'get',
    path: '/ready',
    tag,
    summary: 'Readiness: 200 only when the store and Kafka answer',
    responses: { 200: { description: 'Ready' }, 503: { description: 'Names what is down' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag,
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1' } },
  },
]

export type OpenApiDocument = {
  openapi: string
  info: { title: string; version: string; description?: string }
  paths: Record<string, Record<string, unknown>>
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> }
  tags?: { name: string }[]
  [key: string]: unknown
}

/** A service's OpenAPI 3.1 document, built from its route list. */
export function openApiDocument({
  service,
  description,
  operations,
}: {
  service: string
  description?: string
  operations: Operation[]
}): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of [...operations, ...serviceOperations(`${service} service`)]) {
    paths[op.path] ??= {}
    ;(paths[op.path] as Record<string, unknown>)[op.method] = operationObject(op, service)
  }
  return {
    openapi: '3.1.0',
    info: { title: `${service} service`, version: '1.0.0', ...(description ? { description } : {}) },
    paths,
    components: {
      schemas: { Problem: jsonSchema(ProblemDetails) },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token from POST /api/v1/auth/login (ES256, 15 minutes)',
        },
      },
    },
  }
}

/** The tag of the documentation's own routes (docs-routes.ts). */
export const DOCS_TAG = 'Documentation'

/** The whole API as one document: every service's gateway paths; per-service liveness routes stay out. */
export function mergeOpenApi(documents: OpenApiDocument[]): OpenApiDocument {
  const merged: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'Shop API',
      version: '1.0.0',
      description:
        'The whole API through the gateway, merged from each service’s own /openapi.json. Events are described at /api/v1/asyncapi.json.',
    },
    paths: {},
    components: { schemas: {}, securitySchemes: {} },
    tags: [],
  }
  const isDocs = ([, item]: [string, Record<string, unknown>]) =>
    Object.values(item).some((op) => (op as { tags?: string[] }).tags?.includes(DOCS_TAG))
  const gateway = documents.flatMap((doc) =>
    Object.entries(doc.paths).filter(
      ([path]) => path.startsWith('/api/') || path.startsWith('/.well-known/'),
    ),
  )
  // The documentation's own routes last: a reader starts with the API.
  for (const [path, item] of [...gateway.filter((e) => !isDocs(e)), ...gateway.filter(isDocs)]) {
    merged.paths[path] = item
  }
  for (const doc of documents) {
    Object.assign(merged.components.schemas, doc.components.schemas)
    Object.assign(merged.components.securitySchemes, doc.components.securitySchemes)
  }
  const tags = Object.values(merged.paths).flatMap((item) =>
    Object.values(item).flatMap((op) => (op as { tags?: string[] }).tags ?? []),
  )
  merged.tags = [...new Set(tags)].map((name) => ({ name }))
  return merged
}

/** `/api/v1/orders/:id` (Hono) ↔ `/api/v1/orders/{id}` (OpenAPI). */
export const toOpenApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}')

/** The documented operation a concrete request lands on (`/api/v1/orders/65f…` matches `/api/v1/orders/{id}`). */
export function findOperation(operations: Operation[], method: string, path: string) {
  const wanted = path.split('?')[0]?.replace(/\/+$/, '') ?? ''
  const matches = (template: string) =>
    new RegExp(`^${template.replace(/\/+$/, '').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(wanted)
  const candidates = operations.filter((op) => op.method === method.toLowerCase() && matches(op.path))
  // A literal segment beats a parameter: /orders/user/{id} over /orders/{id}/… when both would match.
  return candidates
    .sort((a, b) => (b.path.match(/\{/g)?.length ?? 0) - (a.path.match(/\{/g)?.length ?? 0))
    .at(-1)
}
