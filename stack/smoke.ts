/**
 * The seed's walk-through against any running stack (native or compose), through the gateway only.
 * Prints each step; exits 1 on the first deviation. GATEWAY_URL defaults to the local gateway.
 */
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
  init: { json?: unknown; form?: Json; token?: string } = {},
) {
  const headers: Record<string, string> = { 'X-Request-Id': `smoke-${crypto.randomUUID()}` }
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
console.log(`Smoke walk-through passed: ${step} steps`)

export {}
