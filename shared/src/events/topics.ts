import type { z } from 'zod'
import {
  OrderCancelled,
  OrderPlaced,
  ProductChanged,
  ProductDeleted,
  StockRejected,
  StockReserved,
  StockUpdated,
  UserCreated,
} from './schemas.ts'

/** Every topic of the system and the schema of its payload: one topic per event type. */
export const topics = {
  'user.created': UserCreated,
  'product.created': ProductChanged,
  'product.updated': ProductChanged,
  'product.deleted': ProductDeleted,
  'order.placed': OrderPlaced,
  'order.cancelled': OrderCancelled,
  'stock.updated': StockUpdated,
  'stock.reserved': StockReserved,
  'stock.rejected': StockRejected,
} as const

export type Topics = typeof topics
export type Topic = keyof Topics
export type Payload<T extends Topic> = z.output<Topics[T]>

export const topicNames = Object.keys(topics) as Topic[]
export const isTopic = (name: string): name is Topic => Object.hasOwn(topics, name)
export const dlqTopic = (topic: string) => `${topic}.dlq`
