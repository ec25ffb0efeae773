export interface AddressRow {
  id: string
  user_id: string
  line1: string
  line2: string | null
  city: string
  state: string | null
  postal_code: string
  country: string
  is_default: boolean
  created_at: Date
}

export const toAddressBody = (address: AddressRow) => ({
  id: address.id,
  line1: address.line1,
  line2: address.line2,
  city: address.city,
  state: address.state,
  postal_code: address.postal_code,
  country: address.country,
  is_default: address.is_default,
  created_at: address.created_at.toISOString(),
})
