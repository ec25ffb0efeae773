/** The shop's HTTP API as the load tools use it: gateway for traffic, the user service direct for logins. */
const OFFSET = Number(process.env.STACK_PORT_OFFSET ?? 0)
export const GATEWAY = (process.env.GATEWAY_URL ?? `http://127.0.0.1:${80 + OFFSET}`).replace(/\/$/, '')
export const USER_SERVICE = (process.env.USER_SERVICE_URL ?? `http://127.0.0.1:${8003 + OFFSET}`).replace(
  /\/$/,
  '',
)

export const ADMIN = {
  email: process.env.ADMIN_EMAIL ?? 'admin@example.com',
  password: process.env.ADMIN_PASSWORD ?? 'Admin123',
}
const CLIENT_PASSWORD = 'BenchClient1'

// biome-ignore lint/suspicious/noExplicitAny: answers from the services, read field by field by the callers
export type Json = any

export interface Answer {
  status: number
  data: Json
  headers: Headers
}

export async function call(
  base: string,
  method: string,
  path: string,
  init: {
    json?: unknown
    form?: Record<string, string>
    token?: string
    headers?: Record<string, string>
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers }
  let body: string | undefined
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(init.json)
  }
  if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(init.form).toString()
  }
  if (init.token) headers.Authorization = `Bearer ${init.token}`
  const res = await fetch(`${base}${path}`, { method, headers, body })
  const text = await res.text()
  let data: Json = text
  try {
    data = text ? JSON.parse(text) : null
  } catch {}
  return { status: res.status, data, headers: res.headers }
}

/** A made-up client address per login, so the per-address login limit never trips a load run. */
const clientAddress = () =>
  `10.${(Math.random() * 255) | 0}.${(Math.random() * 255) | 0}.${(Math.random() * 254 + 1) | 0}`

async function login(email: string, password: string) {
  return call(USER_SERVICE, 'POST', '/api/v1/auth/login', {
    form: { username: email, password },
    headers: { 'X-Forwarded-For': clientAddress() },
  })
}

/**
 * Logs in, registering the account first when it does not exist yet. Works with both ways the admin comes
 * to be: created at start-up from ADMIN_EMAIL/ADMIN_PASSWORD (login just works), or by registering an
 * address the user service was told is an admin's.
 */
export async function signIn(
  email: string,
  password: string,
  names = { first_name: 'Bench', last_name: 'Client' },
) {
  let res = await login(email, password)
  if (res.status === 401) {
    const reg = await call(USER_SERVICE, 'POST', '/api/v1/auth/register', {
      json: { email, password, ...names },
      headers: { 'X-Forwarded-For': clientAddress() },
    })
    if (reg.status !== 201 && reg.status !== 409) {
      throw new Error(`registering ${email}: HTTP ${reg.status} ${JSON.stringify(reg.data)}`)
    }
    res = await login(email, password)
  }
  if (res.status !== 200)
    throw new Error(`logging in ${email}: HTTP ${res.status} ${JSON.stringify(res.data)}`)
  return res.data.access_token as string
}

export async function adminToken() {
  const token = await signIn(ADMIN.email, ADMIN.password, { first_name: 'Admin', last_name: 'User' })
  const me = await call(GATEWAY, 'GET', '/api/v1/users/me', { token })
  if (me.data?.role !== 'admin') {
    throw new Error(`${ADMIN.email} is not an admin (role ${me.data?.role}): set ADMIN_EMAIL/ADMIN_PASSWORD`)
  }
  return token
}

/** Tokens of `count` customer accounts that every run reuses (bench-client-N@example.com). */
export async function clientTokens(count: number, label = 'bench') {
  const tokens: string[] = []
  for (let i = 0; i < count; i++)
    tokens.push(await signIn(`${label}-client-${i}@example.com`, CLIENT_PASSWORD))
  return tokens
}

export const total = (answer: Answer) => Number(answer.headers.get('X-Total-Count') ?? Number.NaN)
