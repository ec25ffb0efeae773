import type { Topic } from '../events/topics.ts'

/** Who sends and who receives each topic, and what its key is: the event table of the README, as data. */
export const EVENT_FLOW: Record<
  Topic,
  { producer: string; consumers: string[]; key: string; summary: string }
> = {
  'user.created': { producer: 'user', consumers: [], key: 'user id', summary: 'An account was registered' },
  'user.address_added': {
    producer: 'user',
    consumers: ['order'],
    key: 'user id',
    summary: 'An address was added to an account (with its fields, for order snapshots)',
  },
  'user.address_removed': {
    producer: 'user',
    consumers: ['order'],
    key: 'user id',
    summary: 'An address was removed',
  },
  'product.created': {
    producer: 'product',
    consumers: ['product', 'inventory', 'order'],
    key: 'product id',
    summary: 'A product was created; quantity is its initial stock (compacted topic)',
  },
  'product.updated': {
    producer: 'product',
    consumers: ['product', 'inventory', 'order'],
    key: 'product id',
    summary: 'A product changed; carries its current fields and version (compacted topic)',
  },
  'product.deleted': {
    producer: 'product',
    consumers: ['product', 'inventory', 'order'],
    key: 'product id',
    summary: 'A product was withdrawn (compacted topic)',
  },
  'order.placed': {
    producer: 'order',
    consumers: ['inventory'],
    key: 'order id',
    summary: 'An order asks for stock',
  },
  'order.cancelled': {
    producer: 'order',
    consumers: ['inventory'],
    key: 'order id',
    summary: 'An order was cancelled or timed out; what it holds goes back to stock',
  },
  'order.paid': { producer: 'order', consumers: [], key: 'order id', summary: 'An order was paid' },
  'order.shipped': {
    producer: 'order',
    consumers: ['inventory'],
    key: 'order id',
    summary: 'An order left the warehouse; its reserved units become shipped',
  },
  'order.delivered': { producer: 'order', consumers: [], key: 'order id', summary: 'An order was delivered' },
  'order.refunded': {
    producer: 'order',
    consumers: [],
    key: 'order id',
    summary: 'A shipped order was refunded',
  },
  'stock.updated': {
    producer: 'inventory',
    consumers: ['order'],
    key: 'product id',
    summary: 'A product’s stock figures changed; carries its stock version (compacted topic)',
  },
  'stock.reserved': {
    producer: 'inventory',
    consumers: ['order'],
    key: 'order id',
    summary: 'Every item of an order was reserved',
  },
  'stock.rejected': {
    producer: 'inventory',
    consumers: ['order'],
    key: 'order id',
    summary: 'An order could not be reserved; names each shortage',
  },
  'stock.low': {
    producer: 'inventory',
    consumers: [],
    key: 'product id',
    summary: 'Stock fell to or below the product’s reorder threshold (once per crossing)',
  },
}
