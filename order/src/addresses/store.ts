import type { Payload } from '@shop/shared/events/topics'
import { isDuplicateKey } from '@shop/shared/mongo/errors'
import type { Collection } from 'mongodb'
import type { ShippingAddress } from '../orders/model.ts'

/**
 * Who owns which address, learnt from the user service's events (the user.* topics are not compacted, so
 * this is kept in MongoDB rather than rebuilt from the topic). Keyed by address id: an added event is one
 * insert, and a redelivered one collides with it and changes nothing. A removal leaves a tombstone rather
 * than deleting, so an added event seen again after its removal cannot bring the address back.
 */
export interface AddressDoc {
  _id: string
  user_id: string
  /** The fields the added event carried; null when it carried none (the order must then send its own). */
  address: ShippingAddress | null
  added_at: Date | null
  removed_at: Date | null
}

type AddressEvent = Payload<'user.address_added'>

/** The event's address as an order keeps it: missing optional lines become null. */
export const toShippingAddress = (address: NonNullable<AddressEvent['address']>): ShippingAddress => ({
  line1: address.line1,
  line2: address.line2 ?? null,
  city: address.city,
  state: address.state ?? null,
  postal_code: address.postal_code,
  country: address.country,
})

export function createAddressStore(addresses: Collection<AddressDoc>) {
  const insert = async (doc: AddressDoc) => {
    try {
      await addresses.insertOne(doc)
      return true
    } catch (error) {
      if (isDuplicateKey(error)) return false
      throw error
    }
  }

  return {
    /** True when newly learnt; false for a redelivery or an address already removed. */
    added: ({ user_id, address_id, address }: AddressEvent, at: Date) =>
      insert({
        _id: address_id,
        user_id,
        address: address ? toShippingAddress(address) : null,
        added_at: at,
        removed_at: null,
      }),

    /** Marks the address removed; true unless it was removed already. */
    async removed({ user_id, address_id }: Payload<'user.address_removed'>, at: Date) {
      const tombstone = { _id: address_id, user_id, address: null, added_at: null, removed_at: at }
      if (await insert(tombstone)) return true
      const { modifiedCount } = await addresses.updateOne(
        { _id: address_id, user_id, removed_at: null },
        { $set: { removed_at: at } },
      )
      return modifiedCount > 0
    },

    /** The address if `userId` owns it and it has not been removed. */
    async findOwned(addressId: string, userId: string) {
      const doc = await addresses.findOne({ _id: addressId })
      return doc && doc.user_id === userId && doc.removed_at === null ? doc : undefined
    },
  }
}

export type AddressStore = ReturnType<typeof createAddressStore>
