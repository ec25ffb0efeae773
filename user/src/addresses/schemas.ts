import { Text } from '@shop/shared/events/primitives'
import { z } from 'zod'

const text = (max: number) =>
  Text.trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)

export const NewAddress = z.strictObject({
  line1: text(200),
  line2: text(200).nullish(),
  city: text(100),
  state: text(100).nullish(),
  postal_code: text(20),
  country: text(100),
  is_default: z.boolean().optional(),
})

export const AddressIdParam = z.strictObject({ id: z.uuid('must be an address id (uuid)') })
