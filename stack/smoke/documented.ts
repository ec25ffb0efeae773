import { findOperation, type Operation } from '@shop/shared/docs/openapi'
import { operations as inventoryOperations } from '../../inventory/src/openapi.ts'
import { operations as orderOperations } from '../../order/src/openapi.ts'
import { operations as productOperations } from '../../product/src/openapi.ts'
import { operations as userOperations } from '../../user/src/openapi.ts'

/** Every documented operation of the API; the walk-through checks each answer it gets against these. */
const operations: Operation[] = [
  ...userOperations,
  ...productOperations,
  ...inventoryOperations,
  ...orderOperations,
]

/**
 * Says what is wrong with an answer, or nothing: an undocumented route or status, or a body that does not
 * match the documented schema. Error answers are checked against the problem shape by the services' tests.
 */
export function checkAnswer(method: string, path: string, status: number, body: unknown): string | undefined {
  if (path.startsWith('/health/')) return undefined
  const op = findOperation(operations, method, path)
  if (!op) return `${method} ${path} is not documented`
  if (status >= 400) return undefined
  const answer = op.responses[status]
  if (!answer) return `${method} ${op.path} answered ${status}, which is not documented`
  if (!answer.schema) return undefined
  const parsed = answer.schema.safeParse(body)
  if (parsed.success) return undefined
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
  return `${method} ${op.path} ${status} does not match its documented schema: ${issues.join('; ')}`
}
