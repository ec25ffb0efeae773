import { z } from 'zod'

/** The body of every error answer (RFC 9457 problem details), as the services' one error handler writes it. */
export const ProblemDetails = z.object({
  type: z.string().meta({ example: '/problems/validation' }),
  title: z.string().meta({ example: 'Invalid request' }),
  status: z.number().int().meta({ example: 400 }),
  detail: z.string().meta({ example: 'The body is invalid (price: must have at most 2 decimals)' }),
  request_id: z.string().meta({ example: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' }),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
})
