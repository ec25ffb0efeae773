import { describe, expect, it } from 'bun:test'
import { Parser } from '@asyncapi/parser'
import { dlqTopic, topicNames } from '../events/topics.ts'
import { asyncApiDocument } from './asyncapi.ts'

describe('the AsyncAPI document', () => {
  const doc = asyncApiDocument()

  it('validates as AsyncAPI 3.0 with no errors', async () => {
    const diagnostics = await new Parser().validate(JSON.stringify(doc))
    const errors = diagnostics.filter((d) => d.severity === 0)
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([])
  })

  it('describes every topic and its dead-letter topic', () => {
    const addresses = Object.values(doc.channels).map((channel) => (channel as { address: string }).address)
    for (const topic of topicNames) {
      expect(addresses).toContain(topic)
      expect(addresses).toContain(dlqTopic(topic))
    }
  })

  it('gives each payload the schema that validates the event', () => {
    const placed = doc.components.messages.orderPlaced as { payload: { required: string[] } }
    expect(placed.payload.required).toEqual(expect.arrayContaining(['order_id', 'user_id', 'items']))
  })
})
