import { z } from 'zod'
import { LoginPassword, Name, Password, Phone } from '../auth/schemas.ts'

export const ProfilePatch = z
  .strictObject({ first_name: Name.optional(), last_name: Name.optional(), phone: Phone.nullish() })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: 'give at least one of first_name, last_name, phone',
  })

export const RoleChange = z.strictObject({ role: z.enum(['customer', 'admin']) })

export const UserIdParam = z.strictObject({ id: z.uuid('must be a user id (uuid)') })

export const AccountChange = z.strictObject({ is_active: z.boolean() })

export const PasswordChange = z.strictObject({ current_password: LoginPassword, new_password: Password })
