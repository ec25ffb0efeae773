import { type AddressRow, toAddressBody } from '../addresses/body.ts'
import type { UserRow } from './store.ts'

/** The user as clients see it: never the password hash. */
export const toUserBody = (user: UserRow, addresses: AddressRow[]) => ({
  id: user.id,
  email: user.email,
  first_name: user.first_name,
  last_name: user.last_name,
  phone: user.phone,
  role: user.role,
  is_active: user.is_active,
  created_at: user.created_at.toISOString(),
  addresses: addresses.map(toAddressBody),
})
