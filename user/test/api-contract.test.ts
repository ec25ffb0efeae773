import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { routeDrift } from '@shop/shared/docs/contract'
import { fuzz, malformedRequests } from '@shop/shared/testing/fuzz'
import { openApi } from '../src/openapi.ts'
import { call, createHarness, type Harness, signedIn } from './harness.ts'

describe('the user API as documented', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  /** Row counts of every table of the service: what a refused request must leave as it was. */
  const fingerprint = async () => {
    const tables = await fx.sql<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`
    const counts: Record<string, number> = {}
    for (const { name } of tables) {
      const [row] = await fx.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${fx.sql(name)}`
      counts[name] = row?.n ?? 0
    }
    return counts
  }

  it('has a valid OpenAPI 3.1 document', async () => {
    expect(await new Validator().validate(structuredClone(openApi))).toEqual({ valid: true })
  })

  it('documents every route it serves, and serves every route it documents', () => {
    expect(routeDrift(fx.defaultApp, openApi)).toEqual({ undocumented: [], unregistered: [] })
  })

  it('serves its document at /openapi.json', async () => {
    const res = await call(fx.defaultApp, 'GET', '/openapi.json')
    expect(res.status).toBe(200)
    const document = (await res.json()) as { paths: Record<string, unknown> }
    expect(document.paths['/api/v1/auth/register']).toBeDefined()
  })

  it('answers hundreds of malformed requests with a 4xx and changes nothing', async () => {
    const admin = await fx.signedInAdmin()
    const { user } = await signedIn(fx.defaultApp)
    const address = await call(fx.defaultApp, 'GET', '/api/v1/users/me', { token: admin.token })
    expect(address.status).toBe(200)
    const before = await fingerprint()
    const requests = malformedRequests(openApi, {
      samples: { id: user.id },
      authorization: `Bearer ${admin.token}`,
    })
    expect(requests.length).toBeGreaterThan(300)
    const failures = await fuzz(
      (request) =>
        fx.defaultApp.request(request.path, {
          method: request.method,
          headers: { 'X-Forwarded-For': '203.0.113.7', ...request.headers },
          body: request.body,
        }),
      requests,
    )
    expect(failures).toEqual([])
    expect(await fingerprint()).toEqual(before)
  }, 120_000)
})
