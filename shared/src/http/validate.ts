import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import type { z } from 'zod'
import { UnsupportedMediaTypeError, ValidationError } from './errors.ts'

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i

const WHAT: Partial<Record<keyof ValidationTargets, string>> = {
  json: 'The request body',
  form: 'The form body',
  query: 'The query',
  param: 'The path',
  header: 'A request header',
}

export const issuesToFieldErrors = (issues: readonly z.core.$ZodIssue[]) =>
  issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))

/**
 * zod validation that throws: a failed parse becomes a ValidationError rendered by the one error handler,
 * and a JSON body sent without a JSON Content-Type is refused (Hono would otherwise validate it as `{}`).
 */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) =>
  zValidator(target, schema, (result, c) => {
    if (target === 'json' && !JSON_MEDIA_TYPE.test(c.req.header('Content-Type') ?? '')) {
      throw new UnsupportedMediaTypeError('Send the body as JSON with Content-Type: application/json')
    }
    if (!result.success) {
      const issues = issuesToFieldErrors(result.error.issues)
      const first = issues[0]
      const where = first?.path ? `${first.path}: ` : ''
      throw new ValidationError(
        `${WHAT[target] ?? 'The input'} is invalid (${where}${first?.message})`,
        issues,
      )
    }
  })
