import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from '../log.ts'
import type { AppEnv } from './app-env.ts'
import { AppError, type FieldError } from './errors.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

interface Problem {
  slug: string
  title: string
  status: number
  detail: string
  errors?: FieldError[]
  headers?: Record<string, string>
}

const render = (c: Context<AppEnv>, problem: Problem) => {
  const body = {
    type: `/problems/${problem.slug}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    request_id: c.get('requestId'),
    ...(problem.errors ? { errors: problem.errors } : {}),
  }
  return c.body(JSON.stringify(body), problem.status as ContentfulStatusCode, {
    ...problem.headers,
    'Content-Type': PROBLEM_CONTENT_TYPE,
  })
}

const HTTP_PROBLEMS: Record<number, { slug: string; title: string }> = {
  400: { slug: 'bad-request', title: 'Bad Request' },
  404: { slug: 'not-found', title: 'Not Found' },
  405: { slug: 'method-not-allowed', title: 'Method Not Allowed' },
  413: { slug: 'payload-too-large', title: 'Payload Too Large' },
}

/** The one error handler: typed errors as they are, Hono's own as their status, anything else a logged 500. */
export const problemHandler =
  (fallbackLog: Logger): ErrorHandler<AppEnv> =>
  (error, c) => {
    if (error instanceof AppError) return render(c, { ...error, detail: error.message })
    if (error instanceof HTTPException) {
      const status = error.status
      const known = HTTP_PROBLEMS[status] ?? { slug: 'http-error', title: 'Error' }
      return render(c, { ...known, status, detail: error.message || known.title })
    }
    const log = c.get('log') ?? fallbackLog
    log.error('Unhandled error', { error, method: c.req.method, path: c.req.path })
    return render(c, {
      slug: 'internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'Something went wrong on our side; the request id identifies it in our logs',
    })
  }

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  render(c, {
    slug: 'not-found',
    title: 'Not Found',
    status: 404,
    detail: `No route for ${c.req.method} ${c.req.path}`,
  })
