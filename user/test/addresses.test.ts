import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { MAX_ADDRESSES_PER_USER } from '../src/addresses/store.ts'
import { call, createHarness, type Harness, signedIn } from './harness.ts'

const ADDRESSES = '/api/v1/users/me/addresses'

const address = (overrides: Record<string, unknown> = {}) => ({
  line1: '10 Downing St',
  city: 'London',
  postal_code: 'SW1A 2AA',
  country: 'GB',
  ...overrides,
})

interface AddressBody {
  id: string
  line1: string
  is_default: boolean
}

describe('/api/v1/users/me/addresses', () => {
  let fx: Harness
  beforeAll(async () => {
    fx = await createHarness()
  })
  afterAll(() => fx.db.drop())

  const client = (token: string) => ({
    add: (json: unknown) => call(fx.defaultApp, 'POST', ADDRESSES, { token, json }),
    list: async () =>
      (await (await call(fx.defaultApp, 'GET', ADDRESSES, { token })).json()) as AddressBody[],
    remove: (id: string) => call(fx.defaultApp, 'DELETE', `${ADDRESSES}/${id}`, { token }),
  })

  it('answers 201 with the address; the first one is the default whatever it says', async () => {
    const me = client((await signedIn(fx.defaultApp)).tokens.access_token)
    const res = await me.add(address({ line2: 'Flat 1', state: null, is_default: false }))
    expect(res.status).toBe(201)
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(
      ['city', 'country', 'created_at', 'id', 'is_default', 'line1', 'line2', 'postal_code', 'state'].sort(),
    )
    expect(body).toMatchObject({ line1: '10 Downing St', line2: 'Flat 1', state: null, is_default: true })
    const second = (await (await me.add(address({ line1: '221B Baker St' }))).json()) as AddressBody
    expect(second.is_default).toBe(false)
  })

  it('keeps exactly one default: a new default replaces the old, and the list shows it first', async () => {
    const me = client((await signedIn(fx.defaultApp)).tokens.access_token)
    await me.add(address({ line1: 'A' }))
    await me.add(address({ line1: 'B' }))
    await me.add(address({ line1: 'C', is_default: true }))
    const list = await me.list()
    expect(list.map((a) => [a.line1, a.is_default])).toEqual([
      ['C', true],
      ['A', false],
      ['B', false],
    ])
  })

  it('keeps one default when several default addresses are added at once', async () => {
    const me = client((await signedIn(fx.defaultApp)).tokens.access_token)
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => me.add(address({ line1: `${n}`, is_default: true }))),
    )
    expect(answers.map((res) => res.status)).toEqual([201, 201, 201, 201, 201])
    expect((await me.list()).filter((a) => a.is_default)).toHaveLength(1)
  })

  it('deletes with 204, hands the default to the oldest remaining address, and answers 404 after', async () => {
    const me = client((await signedIn(fx.defaultApp)).tokens.access_token)
    const first = (await (await me.add(address({ line1: 'first' }))).json()) as AddressBody
    await me.add(address({ line1: 'second' }))
    await me.add(address({ line1: 'third' }))
    expect((await me.remove(first.id)).status).toBe(204)
    expect((await me.list()).map((a) => [a.line1, a.is_default])).toEqual([
      ['second', true],
      ['third', false],
    ])
    const again = await me.remove(first.id)
    expect(again.status).toBe(404)
    expect(await again.json()).toMatchObject({ type: '/problems/not-found' })
  })

  it("answers 404 to deleting someone else's address and leaves it alone", async () => {
    const owner = client((await signedIn(fx.defaultApp)).tokens.access_token)
    const theirs = (await (await owner.add(address())).json()) as AddressBody
    const stranger = client((await signedIn(fx.defaultApp)).tokens.access_token)
    expect((await stranger.remove(theirs.id)).status).toBe(404)
    expect(await stranger.list()).toEqual([])
    expect((await owner.list()).map((a) => a.id)).toEqual([theirs.id])
  })

  it('answers 400 to a malformed id, missing, unknown or over-long fields; 415 to a non-JSON body', async () => {
    const { tokens } = await signedIn(fx.defaultApp)
    const me = client(tokens.access_token)
    expect((await me.remove('nope')).status).toBe(400)
    const { line1: _l, ...withoutLine1 } = address()
    const bad = [
      withoutLine1,
      address({ line1: '' }),
      address({ postal_code: 'x'.repeat(21) }),
      address({ line2: 'x'.repeat(201) }),
      address({ country: 'x'.repeat(101) }),
      address({ is_default: 'yes' }),
      address({ user_id: crypto.randomUUID() }),
    ]
    for (const json of bad) expect((await me.add(json)).status).toBe(400)
    const form = await call(fx.defaultApp, 'POST', ADDRESSES, {
      token: tokens.access_token,
      form: { line1: 'x' },
    })
    expect(form.status).toBe(415)
    expect(await me.list()).toEqual([])
  })

  it(`answers 422 past ${MAX_ADDRESSES_PER_USER} addresses and 401 without a token`, async () => {
    const me = client((await signedIn(fx.defaultApp)).tokens.access_token)
    for (let i = 0; i < MAX_ADDRESSES_PER_USER; i++) expect((await me.add(address())).status).toBe(201)
    const over = await me.add(address())
    expect(over.status).toBe(422)
    expect((await me.list()).length).toBe(MAX_ADDRESSES_PER_USER)
    expect((await fx.defaultApp.request(ADDRESSES)).status).toBe(401)
  })

  it('answers one address by id, and 404 for an address of another user or an unknown id, 400 for a bad id', async () => {
    const token = (await signedIn(fx.defaultApp)).tokens.access_token
    const me = client(token)
    const created = (await (await me.add(address({ line1: 'Mine' }))).json()) as AddressBody
    const res = await call(fx.defaultApp, 'GET', `${ADDRESSES}/${created.id}`, { token })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: created.id, line1: 'Mine', is_default: true })
    const stranger = (await signedIn(fx.defaultApp)).tokens.access_token
    expect((await call(fx.defaultApp, 'GET', `${ADDRESSES}/${created.id}`, { token: stranger })).status).toBe(
      404,
    )
    expect((await call(fx.defaultApp, 'GET', `${ADDRESSES}/${crypto.randomUUID()}`, { token })).status).toBe(
      404,
    )
    expect((await call(fx.defaultApp, 'GET', `${ADDRESSES}/nope`, { token })).status).toBe(400)
  })
})
