import type { z } from 'zod'
import {
  OrderCancelled,
  OrderFulfilment,
  OrderPlaced,
  ProductChanged,
  ProductDeleted,
  StockLow,
  StockRejected,
  StockReserved,
  StockUpdated,
  UserAddressChanged,
  UserCreated,
} from './schemas.ts'

/** Every topic of the system and the schema of its payload: one topic per event type. */
export const topics = {
  'user.created': UserCreated,
  'user.address_added': UserAddressChanged,
  'user.address_removed': UserAddressChanged,
  'product.created': ProductChanged,
  'product.updated': ProductChanged,
  'product.deleted': ProductDeleted,
  'order.placed': OrderPlaced,
  'order.cancelled': OrderCancelled,
  'order.paid': OrderFulfilment,
  'order.shipped': OrderFulfilment,
  'order.delivered': OrderFulfilment,
  'order.refunded': OrderFulfilment,
  'stock.updated': StockUpdated,
  'stock.reserved': StockReserved,
  'stock.rejected': StockRejected,
  'stock.low': StockLow,
} as const

export type Topics = typeof topics
export type Topic = keyof Topics
export type Payload<T extends Topic> = z.output<Topics[T]>

export const topicNames = Object.keys(topics) as Topic[]
export const isTopic = (name: string): name is Topic => Object.hasOwn(topics, name)
export const dlqTopic = (topic: string) => `${topic}.dlq`
