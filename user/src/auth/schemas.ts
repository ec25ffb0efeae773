import { Text } from '@shop/shared/events/primitives'
import { z } from 'zod'

/** Emails compare case-insensitively, so they are kept and looked up in lower case. */
export const Email = Text.trim()
  .max(254, 'must be at most 254 characters')
  .toLowerCase()
  .pipe(z.email('must be an email address'))

export const Password = Text.min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters')
  .regex(/[A-Z]/, 'must contain an upper-case letter')
  .regex(/[a-z]/, 'must contain a lower-case letter')
  .regex(/[0-9]/, 'must contain a digit')

export const Name = Text.trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters')

export const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{4,28}[0-9]$/, 'must be a phone number of 6 to 31 digits, spaces, ( ) or -')

export const Register = z.strictObject({
  email: Email,
  password: Password,
  first_name: Name,
  last_name: Name,
  phone: Phone.nullish(),
})

/** Any password length up to the policy's maximum: older accounts may predate the policy. */
export const LoginPassword = Text.min(1, 'must not be empty').max(128, 'must be at most 128 characters')

export const JsonLogin = z.strictObject({ email: Email, password: LoginPassword })

/** The OAuth2 password grant form; the optional OAuth2 fields are accepted and ignored. */
export const FormLogin = z
  .strictObject({
    username: Email,
    password: LoginPassword,
    grant_type: z.literal('password').optional(),
    scope: z.string().max(1000).optional(),
    client_id: z.string().max(200).optional(),
    client_secret: z.string().max(200).optional(),
  })
  .transform(({ username, password }) => ({ email: username, password }))

export type Credentials = z.output<typeof JsonLogin>

export const RefreshBody = z.strictObject({ refresh_token: Text.min(1).max(512) })
