import type { EventFor } from '@shop/shared/kafka/codec'
import type { Logger } from '@shop/shared/log'
import type { AddressStore } from '../addresses/store.ts'

/**
 * Forgets a user's address for new orders; orders placed with it keep their snapshot. A redelivery, or a
 * removal that overtook its addition, changes nothing further.
 */
export async function onUserAddressRemoved(
  event: EventFor<'user.address_removed'>,
  { addresses, log, now }: { addresses: AddressStore; log: Logger; now: Date },
) {
  const { user_id, address_id } = event.payload
  const removed = await addresses.removed(event.payload, now)
  log.info(removed ? 'Address removed' : 'Address already removed; ignored', {
    topic: event.topic,
    event_id: event.id,
    correlation_id: event.correlationId ?? null,
    user_id,
    address_id,
  })
}
