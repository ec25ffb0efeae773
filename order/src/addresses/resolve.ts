import { BusinessRuleError } from '@shop/shared/http/errors'
import type { ShippingAddress } from '../orders/model.ts'
import type { PlaceOrder } from '../orders/schemas.ts'
import type { AddressStore } from './store.ts'

export interface ResolvedAddress {
  addressId: string | null
  shippingAddress: ShippingAddress | null
}

/**
 * The address an order ships to, snapshotted now: the owner's `address_id` as the user service announced it,
 * or the inline `shipping_address`, or none (such an order can be placed but not shipped). Another user's
 * address and one we never heard of are the same 422: which ids exist is none of the caller's business.
 */
export async function resolveShippingAddress(
  addresses: AddressStore,
  ownerId: string,
  body: Pick<PlaceOrder, 'address_id' | 'shipping_address'>,
): Promise<ResolvedAddress> {
  if (body.shipping_address !== undefined) {
    const { line1, line2, city, state, postal_code, country } = body.shipping_address
    return {
      addressId: null,
      shippingAddress: { line1, line2: line2 ?? null, city, state: state ?? null, postal_code, country },
    }
  }
  if (body.address_id === undefined) return { addressId: null, shippingAddress: null }
  const known = await addresses.findOwned(body.address_id, ownerId)
  if (!known) {
    throw new BusinessRuleError(`No address ${body.address_id} in the address book of user ${ownerId}`, [
      { path: 'address_id', message: 'not one of the order owner’s addresses' },
    ])
  }
  if (!known.address) {
    throw new BusinessRuleError(
      `The order service knows address ${body.address_id} by id only; send shipping_address instead`,
      [{ path: 'address_id', message: 'address details unknown' }],
    )
  }
  return { addressId: body.address_id, shippingAddress: known.address }
}
