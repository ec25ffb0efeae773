import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { createMemoryLogger } from '../log.ts'
import { createTestIssuer } from '../testing/issuer.ts'
import { createTestKafka } from '../testing/kafka.ts'
import { createTestMongo } from '../testing/mongo.ts'
import { createTestDatabase } from '../testing/postgres.ts'
import { testServers } from '../testing/servers.ts'
import { waitFor } from '../testing/wait-for.ts'
import { startZipkinStandIn, type ZipkinSpan } from './fixtures/zipkin-stand-in.ts'

// The real order and inventory services, each in a process of its own as runService runs them, on topics,
// databases and a consumer group of this test's own, tracing every request (ratio 1.0) to a Zipkin stand-in.
const ROOT = join(import.meta.dir, '..', '..', '..')
const TRACE_ID = '5b8efff798038103d269b633813fc60c'
const TRACEPARENT = `00-${TRACE_ID}-eee19b7ec3c1b174-01`
const PRODUCT = crypto.randomUUID().replaceAll('-', '').slice(0, 24)
const START_TIMEOUT_MS = 45_000

const freePort = () => {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = server.port as number
  server.stop(true)
  return port
}

describe('one trace of an order across the order and inventory services', () => {
  const zipkin = startZipkinStandIn()
  // kafkajs logs a busy broker's leader moves at error level; the test's own client keeps them in memory.
  const { log } = createMemoryLogger('product')
  const kafka = createTestKafka('product', log, { telemetry: null })
  const prefix = kafka.physical('')
  const processes: Subprocess[] = []
  let mongo: Awaited<ReturnType<typeof createTestMongo>>
  let postgres: Awaited<ReturnType<typeof createTestDatabase>>
  let issuer: Awaited<ReturnType<typeof createTestIssuer>>
  const orderPort = freePort()

  const spawn = (entry: string, env: Record<string, string>) => {
    const port = freePort()
    const child = Bun.spawn([process.execPath, join(ROOT, entry)], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        KAFKA_BROKERS: testServers.kafkaBrokers.join(','),
        JWKS_URL: issuer.jwksUrl,
        TRACE_SAMPLE_RATIO: '1',
        ZIPKIN_URL: zipkin.url,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        NODE_NO_WARNINGS: '1',
        ...env,
      },
      stdout: 'ignore',
      stderr: 'inherit',
    })
    processes.push(child)
    return { child, url: `http://127.0.0.1:${env.PORT ?? port}` }
  }
  const ready = (service: { child: Subprocess; url: string }) =>
    waitFor(
      async () => {
        if (service.child.exitCode !== null) throw new Error(`exited with ${service.child.exitCode}`)
        return (await fetch(`${service.url}/ready`)).status === 200
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 200, message: `${service.url} to be ready` },
    )

  beforeAll(async () => {
    ;[mongo, postgres, issuer] = await Promise.all([
      createTestMongo('trace'),
      createTestDatabase('trace'),
      createTestIssuer(),
    ])
    await kafka.start()
    await kafka.publish(
      'product.created',
      { product_id: PRODUCT, version: 1, name: 'Lamp', category: 'home', price: 12.5, quantity: 5 },
      { key: PRODUCT },
    )
    const inventory = spawn('inventory/src/main.ts', {
      DATABASE_URL: postgres.url,
      KAFKA_TOPIC_PREFIX: prefix,
    })
    const order = spawn('order/test/replica-process.ts', {
      PORT: String(orderPort),
      MONGO_URL: mongo.url,
      TEST_TOPIC_PREFIX: prefix,
      TEST_GROUP_ID: `${prefix}order-service`,
    })
    await Promise.all([ready(inventory), ready(order)])
  }, 120_000)

  afterAll(async () => {
    for (const child of processes) child.kill('SIGTERM')
    await Promise.all(processes.map((child) => child.exited))
    zipkin.stop()
    await kafka.disconnect()
    await Promise.all([mongo?.drop(), postgres?.drop(), issuer?.stop()])
  })

  it('places an order with a known traceparent and finds the request, both relays and both consumers in that trace', async () => {
    const base = `http://127.0.0.1:${orderPort}`
    const token = await issuer.sign({ sub: crypto.randomUUID(), role: 'customer' })
    const headers = {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      traceparent: TRACEPARENT,
    }
    const body = JSON.stringify({ items: [{ product_id: PRODUCT, quantity: 1 }] })
    const placed = await fetch(`${base}/api/v1/orders/`, { method: 'POST', headers, body })
    expect(placed.status).toBe(201)
    const { _id } = (await placed.json()) as { _id: string }
    await waitFor(
      async () => {
        const response = await fetch(`${base}/api/v1/orders/${_id}`, {
          headers: { Authorization: `Bearer ${token}` },
        })
        return ((await response.json()) as { status: string }).status === 'CONFIRMED'
      },
      { timeoutMs: 30_000, message: 'the order to be confirmed' },
    )

    const inTrace = () => zipkin.spans.filter((span) => span.traceId === TRACE_ID)
    const find = (service: string, name: string) =>
      inTrace().find((span) => span.localEndpoint?.serviceName === service && span.name === name)
    // Each process exports its spans in batches every few seconds: wait for both services' batches.
    const expected: [string, string][] = [
      ['order-service', 'order.placed publish'],
      ['inventory-service', 'order.placed process'],
      ['inventory-service', 'stock.reserved publish'],
      ['order-service', 'stock.reserved process'],
    ]
    await waitFor(() => expected.every(([service, name]) => find(service, name)), {
      timeoutMs: 20_000,
      message: 'the spans of both services in the trace',
    }).catch((error) => {
      const seen = inTrace().map((span) => `${span.localEndpoint?.serviceName}: ${span.name}`)
      throw new Error(`${(error as Error).message}; spans in the trace: ${seen.join(', ') || 'none'}`)
    })
    const request = inTrace().find(
      (span) => span.localEndpoint?.serviceName === 'order-service' && span.kind === 'SERVER',
    ) as ZipkinSpan
    const placedPublish = find('order-service', 'order.placed publish') as ZipkinSpan
    const inventoryConsume = find('inventory-service', 'order.placed process') as ZipkinSpan
    const decisionPublish = find('inventory-service', 'stock.reserved publish') as ZipkinSpan
    const orderConsume = find('order-service', 'stock.reserved process') as ZipkinSpan
    const names = inTrace().map((span) => `${span.localEndpoint?.serviceName}: ${span.name}`)
    expect({
      names,
      found: [request, placedPublish, inventoryConsume, decisionPublish, orderConsume].map(Boolean),
    }).toEqual({
      names,
      found: [true, true, true, true, true],
    })
    expect(request.name).toMatch(/^POST \/api\/v1\/orders/)
    expect(request.parentId).toBe('eee19b7ec3c1b174')
    expect(placedPublish.parentId).toBe(request.id)
    expect(inventoryConsume.parentId).toBe(placedPublish.id)
    expect(orderConsume.parentId).toBe(decisionPublish.id)
  })
})
