import type { EventFor } from '@shop/shared/kafka/codec'
import type { Logger } from '@shop/shared/log'
import type { AddressStore } from '../addresses/store.ts'

/** Learns a user's new address (with its fields, for order snapshots); a redelivery changes nothing. */
export async function onUserAddressAdded(
  event: EventFor<'user.address_added'>,
  { addresses, log, now }: { addresses: AddressStore; log: Logger; now: Date },
) {
  const { user_id, address_id } = event.payload
  const learnt = await addresses.added(event.payload, now)
  log.info(learnt ? 'Address learnt' : 'Address already known or removed; ignored', {
    topic: event.topic,
    event_id: event.id,
    correlation_id: event.correlationId ?? null,
    user_id,
    address_id,
  })
}
