import { type Operation, openApiDocument } from '@shop/shared/docs/openapi'
import { z } from 'zod'
import { AddressIdParam, NewAddress } from './addresses/schemas.ts'
import { FormLogin, RefreshBody, Register } from './auth/schemas.ts'
import { AccountChange, PasswordChange, ProfilePatch, RoleChange, UserIdParam } from './users/schemas.ts'

export const AddressResponse = z.object({
  id: z.uuid(),
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  state: z.string().nullable(),
  postal_code: z.string(),
  country: z.string(),
  is_default: z.boolean(),
  created_at: z.iso.datetime({ offset: true }),
})

export const UserResponse = z.object({
  id: z.uuid(),
  email: z.email(),
  first_name: z.string(),
  last_name: z.string(),
  phone: z.string().nullable(),
  role: z.enum(['customer', 'admin']),
  is_active: z.boolean(),
  created_at: z.iso.datetime({ offset: true }),
  addresses: z.array(AddressResponse),
})

export const TokenResponse = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
})

const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) })

const registerExample = {
  email: 'john.doe@example.com',
  password: 'Secret123',
  first_name: 'John',
  last_name: 'Doe',
  phone: '+1 555 0100',
}
const addressExample = {
  line1: '123 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'USA',
  is_default: true,
}
const tag = 'Accounts'
const limited = { 'Retry-After': 'Seconds until another attempt is allowed (429 only)' }

export const operations: Operation[] = [
  {
    method: 'post',
    path: '/api/v1/auth/register',
    tag,
    summary: 'Register a customer account',
    description: 'Emits user.created. Limited per client address (429 with Retry-After).',
    body: Register,
    bodyExample: registerExample,
    responses: { 201: { description: 'The new account', schema: UserResponse } },
    errors: [409, 429],
  },
  {
    method: 'post',
    path: '/api/v1/auth/login',
    tag,
    summary: 'Log in (OAuth2 password form, or JSON {email, password})',
    body: FormLogin,
    bodyType: 'application/x-www-form-urlencoded',
    bodyExample: { username: 'john.doe@example.com', password: 'Secret123' },
    responses: { 200: { description: 'A token pair', schema: TokenResponse, headers: limited } },
    errors: [401, 429],
  },
  {
    method: 'post',
    path: '/api/v1/auth/refresh',
    tag,
    summary: 'Trade a refresh token for a new pair (rotation; reuse revokes the family)',
    body: RefreshBody,
    responses: { 200: { description: 'A new token pair', schema: TokenResponse } },
    errors: [401],
  },
  {
    method: 'post',
    path: '/api/v1/auth/logout',
    tag,
    summary: 'Revoke a refresh token family',
    body: RefreshBody,
    responses: { 204: { description: 'Logged out (always)' } },
  },
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    tag,
    summary: 'The public keys that verify access tokens',
    responses: { 200: { description: 'JSON Web Key Set', schema: Jwks } },
  },
  {
    method: 'get',
    path: '/api/v1/users/me',
    tag,
    auth: 'user',
    summary: 'The signed-in account',
    responses: { 200: { description: 'The account', schema: UserResponse } },
  },
  ...(['patch', 'put'] as const).map(
    (method): Operation => ({
      method,
      path: '/api/v1/users/me',
      tag,
      auth: 'user',
      summary: 'Change name or phone',
      body: ProfilePatch,
      bodyExample: { phone: '+1 555 0199' },
      responses: { 200: { description: 'The account', schema: UserResponse } },
    }),
  ),
  {
    method: 'put',
    path: '/api/v1/users/me/password',
    tag,
    auth: 'user',
    summary: 'Change the password (other sessions are revoked)',
    body: PasswordChange,
    responses: { 204: { description: 'Changed' } },
  },
  {
    method: 'post',
    path: '/api/v1/users/me/addresses',
    tag,
    auth: 'user',
    summary: 'Add a shipping address (emits user.address_added)',
    body: NewAddress,
    bodyExample: addressExample,
    responses: { 201: { description: 'The address', schema: AddressResponse } },
    errors: [422],
  },
  {
    method: 'get',
    path: '/api/v1/users/me/addresses',
    tag,
    auth: 'user',
    summary: 'List my addresses',
    responses: { 200: { description: 'Addresses, default first', schema: z.array(AddressResponse) } },
  },
  {
    method: 'get',
    path: '/api/v1/users/me/addresses/{id}',
    tag,
    auth: 'user',
    summary: 'One of my addresses',
    params: AddressIdParam,
    responses: { 200: { description: 'The address', schema: AddressResponse } },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/api/v1/users/me/addresses/{id}',
    tag,
    auth: 'user',
    summary: 'Remove an address (emits user.address_removed)',
    params: AddressIdParam,
    responses: { 204: { description: 'Removed' } },
    errors: [404],
  },
  {
    method: 'patch',
    path: '/api/v1/users/{id}/role',
    tag,
    auth: 'admin',
    summary: 'Change another user’s role',
    params: UserIdParam,
    body: RoleChange,
    responses: { 200: { description: 'The account', schema: UserResponse } },
    errors: [404, 422],
  },
  {
    method: 'patch',
    path: '/api/v1/users/{id}',
    tag,
    auth: 'admin',
    summary: 'Deactivate or reactivate an account (refresh tokens revoked)',
    params: UserIdParam,
    body: AccountChange,
    responses: { 200: { description: 'The account', schema: UserResponse } },
    errors: [404, 422],
  },
]

export const openApi = openApiDocument({
  service: 'user',
  description: 'Accounts, credentials, addresses and tokens.',
  operations,
})
