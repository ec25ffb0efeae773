import { z } from 'zod'
import { Name, Phone } from '../auth/schemas.ts'

export const ProfilePatch = z
  .strictObject({ first_name: Name.optional(), last_name: Name.optional(), phone: Phone.nullish() })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: 'give at least one of first_name, last_name, phone',
  })

export const RoleChange = z.strictObject({ role: z.enum(['customer', 'admin']) })

export const UserIdParam = z.strictObject({ id: z.uuid('must be a user id (uuid)') })
