// Checks that the compose stack keeps its data the way Docker users rely on,
// through the gateway only (run by stack/docker/test-compose):
//
//   bun stack/docker/persistence-check.ts restart STATE_FILE
//     admin signs in, creates a product (stock 50), places orders and, while
//     they are still in flight, runs RESTART_CMD (a JSON array, e.g. docker
//     compose restart order); every order must still end CONFIRMED, once, and
//     the stock must account for each of them. Writes what it made to STATE_FILE.
//
//   bun stack/docker/persistence-check.ts verify STATE_FILE
//     after `down` (without -v) and `up`: the same user signs in, and the
//     product, its stock level and every order are as they were.
//
// GATEWAY_URL defaults to http://127.0.0.1:8080. Exits 1 on the first deviation.

export {}

const GATEWAY = (process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '')
const ADMIN = { email: 'admin@example.com', password: 'Admin123' }
const INITIAL_STOCK = 50
const QUANTITIES = [1, 2, 3]
const AFTER_RESTART_QUANTITY = 4

type State = {
  email: string
  password: string
  productId: string
  productName: string
  orderIds: string[]
  expectedStock: number
}

class CheckFailed extends Error {}

function fail(message: string): never {
  throw new CheckFailed(message)
}

function step(message: string): void {
  console.log(`[persistence] ${message}`)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

type Answer = { status: number; body: unknown; text: string }

async function call(
  method: string,
  path: string,
  init: { token?: string; json?: unknown; form?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {}
  let body: string | undefined
  if (init.token) headers.Authorization = `Bearer ${init.token}`
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(init.json)
  } else if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(init.form).toString()
  }
  const res = await fetch(`${GATEWAY}${path}`, { method, headers, body, signal: AbortSignal.timeout(15_000) })
  const text = await res.text()
  let parsed: unknown = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    parsed = null
  }
  return { status: res.status, body: parsed, text }
}

function field(body: unknown, name: string): unknown {
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined
}

function expectStatus(answer: Answer, wanted: number[], what: string): void {
  if (!wanted.includes(answer.status)) {
    fail(`${what}: HTTP ${answer.status}, wanted ${wanted.join(' or ')}: ${answer.text.slice(0, 300)}`)
  }
}

/** Polls fn until it returns a value other than undefined, or fails after timeoutMs. */
async function until<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | undefined>,
  lastSeen: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError = ''
  while (Date.now() < deadline) {
    try {
      const value = await fn()
      if (value !== undefined) return value
    } catch (err) {
      if (err instanceof CheckFailed) throw err
      lastError = String(err)
    }
    await sleep(500)
  }
  const seen = lastSeen()
  fail(
    `${what}: not within ${timeoutMs / 1000} s${seen ? ` (last answer: ${seen})` : ''}${lastError ? ` (last error: ${lastError})` : ''}`,
  )
}

async function waitForGateway(): Promise<void> {
  let last = ''
  await until(
    `gateway ${GATEWAY} answering GET /api/v1/products/`,
    90_000,
    async () => {
      const answer = await call('GET', '/api/v1/products/')
      last = `HTTP ${answer.status} ${answer.text.slice(0, 200)}`
      return answer.status === 200 ? true : undefined
    },
    () => last,
  )
}

async function login(email: string, password: string): Promise<string> {
  const answer = await call('POST', '/api/v1/auth/login', { form: { username: email, password } })
  expectStatus(answer, [200], `login as ${email}`)
  const token = field(answer.body, 'access_token')
  if (typeof token !== 'string' || token === '') fail(`login as ${email}: no access_token in ${answer.text}`)
  return token
}

async function stockOf(
  productId: string,
  token: string,
): Promise<{ stock: number; reserved: number | undefined }> {
  const answer = await call('GET', `/api/v1/inventory/${productId}`, { token })
  expectStatus(answer, [200], `GET inventory of ${productId}`)
  const stock = field(answer.body, 'stock')
  const reserved = field(answer.body, 'reserved')
  if (typeof stock !== 'number') fail(`inventory of ${productId}: no numeric stock in ${answer.text}`)
  return { stock, reserved: typeof reserved === 'number' ? reserved : undefined }
}

// The gateway's answers while a service behind it is (re)starting.
const UNAVAILABLE = [502, 503, 504]

async function orderStatus(
  orderId: string,
  token: string,
  allowUnavailable = false,
): Promise<string | undefined> {
  const answer = await call('GET', `/api/v1/orders/${orderId}`, { token })
  if (allowUnavailable && UNAVAILABLE.includes(answer.status)) return undefined
  expectStatus(answer, [200], `GET order ${orderId}`)
  return String(field(answer.body, 'status'))
}

/** Waits for CONFIRMED; the order service may still be coming back from its restart. */
async function waitConfirmed(orderId: string, token: string): Promise<void> {
  let last = ''
  await until(
    `order ${orderId} CONFIRMED`,
    120_000,
    async () => {
      const status = await orderStatus(orderId, token, true)
      last = status ?? 'order service unavailable'
      if (status === 'REJECTED' || status === 'CANCELLED') fail(`order ${orderId} became ${status}`)
      return status === 'CONFIRMED' ? true : undefined
    },
    () => last,
  )
}

async function placeOrder(productId: string, quantity: number, token: string): Promise<string> {
  const answer = await call('POST', '/api/v1/orders/', {
    token,
    json: { items: [{ product_id: productId, quantity }] },
  })
  expectStatus(answer, [201], `place an order of ${quantity}`)
  const id = field(answer.body, '_id')
  if (typeof id !== 'string') fail(`placed order has no _id: ${answer.text}`)
  return id
}

async function restartPhase(stateFile: string): Promise<void> {
  const restartCmd = JSON.parse(process.env.RESTART_CMD ?? '[]') as string[]
  if (!Array.isArray(restartCmd) || restartCmd.length === 0) fail('RESTART_CMD (a JSON array) is not set')

  await waitForGateway()
  const register = await call('POST', '/api/v1/auth/register', {
    json: { email: ADMIN.email, password: ADMIN.password, first_name: 'Ada', last_name: 'Admin' },
  })
  expectStatus(register, [201, 409], `register ${ADMIN.email}`)
  const token = await login(ADMIN.email, ADMIN.password)
  step(`signed in as ${ADMIN.email}`)

  const productName = `Persistence check ${Date.now()}`
  const created = await call('POST', '/api/v1/products/', {
    token,
    json: { name: productName, category: 'test', price: 19.99, quantity: INITIAL_STOCK },
  })
  expectStatus(created, [201], 'create a product')
  const productId = field(created.body, '_id')
  if (typeof productId !== 'string') fail(`created product has no _id: ${created.text}`)
  step(`product ${productId} created with stock ${INITIAL_STOCK}`)

  await until(`stock entry of ${productId} with ${INITIAL_STOCK}`, 60_000, async () => {
    const answer = await call('GET', `/api/v1/inventory/${productId}`, { token })
    return answer.status === 200 && field(answer.body, 'stock') === INITIAL_STOCK ? true : undefined
  })

  const orderIds: string[] = []
  for (const quantity of QUANTITIES) orderIds.push(await placeOrder(productId, quantity, token))
  // Restart at once, while the reservations are in flight (order.placed →
  // inventory → stock.reserved → order).
  const statuses = await Promise.all(orderIds.map((id) => orderStatus(id, token)))
  const inFlight = statuses.filter((s) => s !== 'CONFIRMED').length
  step(`placed ${orderIds.length} orders (${inFlight} not yet confirmed); running: ${restartCmd.join(' ')}`)
  const restart = Bun.spawnSync(restartCmd, { stdout: 'inherit', stderr: 'inherit' })
  if (restart.exitCode !== 0) fail(`${restartCmd.join(' ')} exited ${restart.exitCode}`)

  for (const id of orderIds) await waitConfirmed(id, token)
  step(`all ${orderIds.length} orders placed before the restart are CONFIRMED`)

  const lateId = await placeOrder(productId, AFTER_RESTART_QUANTITY, token)
  await waitConfirmed(lateId, token)
  orderIds.push(lateId)
  step(`an order placed after the restart is CONFIRMED`)

  const ordered = QUANTITIES.reduce((a, b) => a + b, 0) + AFTER_RESTART_QUANTITY
  const expectedStock = INITIAL_STOCK - ordered
  const inventory = await until(`stock of ${productId} at ${expectedStock}`, 30_000, async () => {
    const s = await stockOf(productId, token)
    return s.stock === expectedStock ? s : undefined
  })
  if (inventory.reserved !== undefined && inventory.stock + inventory.reserved !== INITIAL_STOCK) {
    fail(`stock ${inventory.stock} + reserved ${inventory.reserved} != initial ${INITIAL_STOCK}`)
  }
  step(`stock ${inventory.stock} (reserved ${inventory.reserved ?? '?'}): every order counted once`)

  const list = await call('GET', '/api/v1/orders/?limit=100', { token })
  expectStatus(list, [200], 'list orders')
  if (Array.isArray(list.body)) {
    const mine = list.body.filter((o) =>
      (field(o, 'items') as unknown[] | undefined)?.some((i) => field(i, 'product_id') === productId),
    )
    if (mine.length !== orderIds.length)
      fail(`${mine.length} orders of ${productId} listed, wanted ${orderIds.length}`)
    step(`the order list holds exactly ${orderIds.length} orders of the product`)
  }

  const state: State = { ...ADMIN, productId, productName, orderIds, expectedStock }
  await Bun.write(stateFile, JSON.stringify(state, null, 2))
}

async function verifyPhase(stateFile: string): Promise<void> {
  const state = JSON.parse(await Bun.file(stateFile).text()) as State
  await waitForGateway()
  const token = await login(state.email, state.password)
  step(`${state.email} still signs in`)
  const me = await call('GET', '/api/v1/users/me', { token })
  expectStatus(me, [200], 'GET users/me')
  if (field(me.body, 'email') !== state.email) fail(`users/me is ${me.text}`)

  const product = await call('GET', `/api/v1/products/${state.productId}`)
  expectStatus(product, [200], `GET product ${state.productId}`)
  if (field(product.body, 'name') !== state.productName) fail(`product changed: ${product.text}`)
  step(`product ${state.productId} kept`)

  const { stock } = await stockOf(state.productId, token)
  if (stock !== state.expectedStock) fail(`stock is ${stock}, was ${state.expectedStock}`)
  step(`stock level ${stock} kept`)

  for (const id of state.orderIds) {
    const status = await orderStatus(id, token)
    if (status !== 'CONFIRMED') fail(`order ${id} is ${status}, was CONFIRMED`)
  }
  step(`all ${state.orderIds.length} orders kept, CONFIRMED`)
}

const [phase, stateFile] = process.argv.slice(2)
if (!stateFile || (phase !== 'restart' && phase !== 'verify')) {
  console.error('usage: bun stack/docker/persistence-check.ts restart|verify STATE_FILE')
  process.exit(2)
}
try {
  if (phase === 'restart') await restartPhase(stateFile)
  else await verifyPhase(stateFile)
  step(`${phase}: ok`)
} catch (err) {
  console.error(`[persistence] FAILED (${phase}): ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
