import { z } from 'zod'

export type JsonSchema = Record<string, unknown>

/**
 * A zod schema as JSON Schema: draft 2020-12 for OpenAPI 3.1, draft-07 for AsyncAPI. Requests are described
 * by what a client may send (`input`), answers by what the service sends (`output`); a transform or refinement
 * that JSON Schema cannot say is left out rather than failing the whole document.
 */
export function jsonSchema(
  schema: z.ZodType,
  {
    io = 'output',
    target = 'draft-2020-12',
  }: { io?: 'input' | 'output'; target?: 'draft-2020-12' | 'draft-07' } = {},
): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    target,
    unrepresentable: 'any',
  }) as JsonSchema
  return rest
}
