/**
 * The seed's walk-through against any running stack (native or compose), through the gateway only, then
 * on through fulfilment. Every answer is checked against the response schema its route documents. Prints
 * each step; exits 1 on the first deviation. GATEWAY_URL defaults to the local gateway; with ZIPKIN_URL set
 * (observability on) it also finds the order's trace in Zipkin.
 */
import { checkAnswer } from './smoke/documented.ts'

const GATEWAY = (process.env.GATEWAY_URL ?? 'http://127.0.0.1:80').replace(/\/$/, '')
const STEP_TIMEOUT_MS = Number(process.env.SMOKE_STEP_TIMEOUT_MS ?? 30_000)
const ADMIN = { email: 'admin@example.com', password: 'Admin123', first_name: 'Admin', last_name: 'User' }
const SMARTPHONE = {
  name: 'Premium Smartphone',
  description: 'Latest model with advanced features',
  category: 'Electronics',
  price: 999.99,
  quantity: 50,
}

// biome-ignore lint/suspicious/noExplicitAny: answers from the services, checked field by field below
type Json = Record<string, any>
let step = 0

class Deviation extends Error {}

async function call(
  method: string,
  path: string,
  init: { json?: unknown; form?: Json; token?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { 'X-Request-Id': `smoke-${crypto.randomUUID()}`, ...init.headers }
  let body: string | undefined
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(init.json)
  }
  if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(init.form as Record<string, string>).toString()
  }
  if (init.token) headers.Authorization = `Bearer ${init.token}`
  const res = await fetch(`${GATEWAY}${path}`, { method, headers, body })
  const text = await res.text()
  let data: unknown = text
  try {
    data = text ? JSON.parse(text) : null
  } catch {}
  const problem = checkAnswer(method, path, res.status, data)
  if (problem) throw new Deviation(problem)
  return { status: res.status, data: data as Json, headers: res.headers }
}

function expectStatus(res: { status: number; data: unknown }, ...allowed: number[]) {
  if (!allowed.includes(res.status)) {
    throw new Deviation(
      `expected HTTP ${allowed.join(' or ')}, got ${res.status}: ${JSON.stringify(res.data)}`,
    )
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + STEP_TIMEOUT_MS
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await Bun.sleep(250)
  }
  throw new Deviation(`${what} did not happen within ${STEP_TIMEOUT_MS} ms${last ? ` (${last})` : ''}`)
}

async function check<T>(title: string, run: () => Promise<T>): Promise<T> {
  step++
  const started = performance.now()
  try {
    const result = await run()
    console.log(`ok ${step} - ${title} (${Math.round(performance.now() - started)} ms)`)
    return result
  } catch (error) {
    console.log(`not ok ${step} - ${title}: ${error instanceof Error ? error.message : error}`)
    process.exit(1)
  }
}

console.log(`Smoke walk-through against ${GATEWAY}`)
for (const service of ['user', 'product', 'inventory', 'order']) {
  await check(`${service} service is healthy`, () =>
    until(`${service} health`, async () => {
      const res = await call('GET', `/health/${service}`)
      return res.status === 200 && res.data.service === `${service}-service` ? true : undefined
    }),
  )
}
await check('register the admin (or find it registered)', async () => {
  const res = await call('POST', '/api/v1/auth/register', { json: ADMIN })
  expectStatus(res, 201, 409)
})
const token = await check('log in with the OAuth2 password form', async () => {
  const res = await call('POST', '/api/v1/auth/login', {
    form: { username: ADMIN.email, password: ADMIN.password },
  })
  expectStatus(res, 200)
  if (res.data.token_type !== 'bearer' || typeof res.data.access_token !== 'string') {
    throw new Deviation(`unexpected token answer ${JSON.stringify(res.data)}`)
  }
  return res.data.access_token
})
await check('GET /users/me answers the admin', async () => {
  const res = await call('GET', '/api/v1/users/me', { token })
  expectStatus(res, 200)
  if (res.data.email !== ADMIN.email || res.data.role !== 'admin')
    throw new Deviation(JSON.stringify(res.data))
})
const product = await check('create the Premium Smartphone', async () => {
  const res = await call('POST', '/api/v1/products/', { json: SMARTPHONE, token })
  expectStatus(res, 201)
  if (!/^[0-9a-f]{24}$/.test(String(res.data._id)) || res.data.price !== 999.99) {
    throw new Deviation(JSON.stringify(res.data))
  }
  return res.data as { _id: string }
})
await check('the product list shows it', async () => {
  const res = await call('GET', `/api/v1/products/?q=${encodeURIComponent('Premium Smartphone')}&limit=100`)
  expectStatus(res, 200)
  if (!Array.isArray(res.data) || !res.data.some((p: Json) => p._id === product._id))
    throw new Deviation('not in the list')
})
const stockIs = (expected: number) => async () => {
  const res = await call('GET', `/api/v1/inventory/${product._id}`, { token })
  return res.status === 200 && res.data.stock === expected ? res.data : undefined
}
await check('its stock entry appears in inventory with 50', () => until('stock 50', stockIs(50)))
const order = await check('place an order for 2', async () => {
  const body = { items: [{ product_id: product._id, quantity: 2 }] }
  // The order service learns of the product through events; retry while it has not yet.
  return until('order accepted', async () => {
    const res = await call('POST', '/api/v1/orders/', { json: body, token })
    if (res.status === 422) return undefined
    expectStatus(res, 201)
    return res.data as { _id: string }
  })
})
await check('the order becomes CONFIRMED', () =>
  until('CONFIRMED', async () => {
    const res = await call('GET', `/api/v1/orders/${order._id}`, { token })
    if (res.data.status === 'REJECTED') throw new Deviation(`REJECTED: ${res.data.reason}`)
    return res.data.status === 'CONFIRMED' ? true : undefined
  }),
)
await check('stock is 48', () => until('stock 48', stockIs(48)))
await check('cancel the order', async () => {
  const res = await call('POST', `/api/v1/orders/${order._id}/cancel`, { token })
  expectStatus(res, 200)
  if (res.data.status !== 'CANCELLED') throw new Deviation(JSON.stringify(res.data))
})
await check('stock is back to 50', () => until('stock 50', stockIs(50)))

const address = await check('add a shipping address', async () => {
  const res = await call('POST', '/api/v1/users/me/addresses', {
    token,
    json: { line1: '123 Main St', city: 'Springfield', state: 'IL', postal_code: '62701', country: 'USA' },
  })
  expectStatus(res, 201)
  return res.data as { id: string }
})
const traceId = crypto.randomUUID().replaceAll('-', '')
const shipped = await check('order 2 to that address, waiting for the decision', async () => {
  const body = { items: [{ product_id: product._id, quantity: 2 }], address_id: address.id }
  // The order service learns of the address through user.address_added; retry while it has not yet.
  return until('order to the address accepted', async () => {
    const res = await call('POST', '/api/v1/orders/', {
      json: body,
      token,
      headers: { Prefer: 'wait=10', traceparent: `00-${traceId}-${traceId.slice(0, 16)}-01` },
    })
    if (res.status === 422) return undefined
    expectStatus(res, 201)
    if (res.data.shipping_address?.line1 !== '123 Main St') throw new Deviation('no address snapshot')
    if (res.data.status === 'PENDING') return undefined
    if (res.data.status !== 'CONFIRMED') throw new Deviation(`${res.data.status}: ${res.data.reason}`)
    return res.data as { _id: string }
  })
})
for (const status of ['PAID', 'PROCESSING', 'SHIPPED', 'DELIVERED']) {
  await check(`the admin moves it to ${status}`, async () => {
    const res = await call('PATCH', `/api/v1/orders/${shipped._id}/status`, { token, json: { status } })
    expectStatus(res, 200)
    if (res.data.status !== status) throw new Deviation(JSON.stringify(res.data))
  })
}
await check('a delivered order can no longer be cancelled', async () => {
  const res = await call('POST', `/api/v1/orders/${shipped._id}/cancel`, { token })
  expectStatus(res, 409)
})
await check('inventory shows 48 in stock, none reserved, 2 shipped', () =>
  until('shipped 2', async () => {
    const res = await call('GET', `/api/v1/inventory/${product._id}`, { token })
    const { stock, reserved, shipped: out } = res.data
    return stock === 48 && reserved === 0 && out === 2 ? true : undefined
  }),
)
await check('the stock history tells the story, newest first', async () => {
  const res = await call('GET', `/api/v1/inventory/${product._id}/history`, { token })
  expectStatus(res, 200)
  const reasons = (res.data as Json[]).map((entry) => entry.reason)
  const story = ['shipped', 'reserved', 'released', 'reserved', 'initial']
  if (JSON.stringify(reasons) !== JSON.stringify(story)) throw new Deviation(`history ${reasons.join(', ')}`)
})
if (process.env.ZIPKIN_URL) {
  const zipkin = new URL(process.env.ZIPKIN_URL).origin
  await check('Zipkin holds the order’s trace across order and inventory', () =>
    until('trace in Zipkin', async () => {
      const res = await fetch(`${zipkin}/api/v2/trace/${traceId}`)
      if (!res.ok) return undefined
      const services = new Set(
        ((await res.json()) as { localEndpoint?: { serviceName?: string } }[]).map(
          (span) => span.localEndpoint?.serviceName,
        ),
      )
      return services.has('order-service') && services.has('inventory-service') ? true : undefined
    }),
  )
}
console.log(`Smoke walk-through passed: ${step} steps`)
