import { describe, expect, it } from 'bun:test'
import { InvalidEventError, PoisonMessageError } from '@shop/shared/kafka/errors'
import { MongoNetworkError, MongoServerError } from 'mongodb'
import { classified } from '../src/events/classify.ts'

describe('how the order consumers classify a failed event', () => {
  const failWith = (error: unknown) =>
    classified('stock.reserved e1', async () => {
      throw error
    }).catch((thrown: unknown) => thrown)

  it('parks what a retry cannot cure: an invalid event, a document MongoDB refuses', async () => {
    expect(await failWith(new InvalidEventError('bad payload'))).toBeInstanceOf(PoisonMessageError)
    const refused = new MongoServerError({ code: 121, errmsg: 'Document failed validation' })
    const parked = await failWith(refused)
    expect(parked).toBeInstanceOf(PoisonMessageError)
    expect((parked as Error).message).toContain('stock.reserved e1 cannot be applied')
  })

  it('retries what may pass: MongoDB unreachable, an unknown error', async () => {
    for (const error of [new MongoNetworkError('connection refused'), new Error('something odd')]) {
      const retried = await failWith(error)
      expect(retried).not.toBeInstanceOf(PoisonMessageError)
      expect(retried).toBeInstanceOf(Error)
      expect((retried as Error).cause).toBe(error)
    }
  })
})
