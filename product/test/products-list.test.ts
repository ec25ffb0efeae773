import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHarness, type Harness, PRODUCTS } from './harness.ts'

interface Listed {
  _id: string
  name: string
  price: number
  category: string
}

describe('listing products', () => {
  let t: Harness
  let now = new Date('2030-01-01T00:00:00.000Z')
  const created: Listed[] = []

  const list = async (query = '') => {
    const res = await t.send('GET', `${PRODUCTS}${query}`)
    return {
      status: res.status,
      total: res.headers.get('X-Total-Count'),
      body: (await res.json()) as Listed[],
    }
  }
  const names = async (query: string) => (await list(query)).body.map((p) => p.name).sort()

  beforeAll(async () => {
    t = await createHarness({ now: () => now })
    const catalogue = [
      ['Red Mug', 'kitchen', 4.99],
      ['Blue mug', 'kitchen', 5],
      ['MUG (large)', 'kitchen', 12.5],
      ['Mugwort tea', 'food', 3.2],
      ['a.c cable', 'electronics', 9.99],
      ['abc cable', 'electronics', 10],
      ['Kitchen knife', 'Kitchen', 25],
      ['C++ book', 'books', 39.9],
      ['USB-C/Lightning [2m]', 'adapters', 15],
    ] as const
    for (const [name, category, price] of catalogue) {
      created.push((await t.create({ name, category, price })) as unknown as Listed)
    }
    // The next ones share one creation time, so only the id orders them.
    now = new Date('2030-01-02T00:00:00.000Z')
    for (const i of [1, 2, 3, 4]) {
      created.push(
        (await t.create({ name: `Same time ${i}`, category: 'same', price: 1 })) as unknown as Listed,
      )
    }
  })
  afterAll(() => t.close())

  it('lists in creation order, then by id, with the total in X-Total-Count', async () => {
    const { status, total, body } = await list()
    expect(status).toBe(200)
    expect(total).toBe(String(created.length))
    expect(body.map((p) => p._id)).toEqual(created.map((p) => p._id))
  })

  it('pages with skip and limit without gaps or repeats, the total staying the filtered count', async () => {
    const seen: string[] = []
    for (let skip = 0; skip < created.length; skip += 5) {
      const page = await list(`?skip=${skip}&limit=5`)
      expect(page.total).toBe(String(created.length))
      expect(page.body.length).toBeLessThanOrEqual(5)
      seen.push(...page.body.map((p) => p._id))
    }
    expect(seen).toEqual(created.map((p) => p._id))
    expect((await list(`?skip=${created.length}`)).body).toEqual([])
  })

  it('returns 20 by default and at most 100', async () => {
    for (let i = 0; i < 10; i++) await t.create({ name: `Filler ${i}`, category: 'filler' })
    expect((await list()).body).toHaveLength(20)
    expect((await list('?limit=100')).body).toHaveLength(created.length + 10)
    await Promise.all(
      (await list('?category=filler')).body.map((p) => t.asAdmin('DELETE', `${PRODUCTS}/${p._id}`)),
    )
  })

  it('filters by exact category, case and all', async () => {
    expect(await names('?category=kitchen')).toEqual(['Blue mug', 'MUG (large)', 'Red Mug'])
    expect(await names('?category=Kitchen')).toEqual(['Kitchen knife'])
    expect(await names('?category=kitch')).toEqual([])
    const { total } = await list('?category=kitchen&limit=1')
    expect(total).toBe('3')
  })

  it('filters by price range, both ends inclusive and exact to the cent', async () => {
    expect(await names('?min_price=5&max_price=10')).toEqual(['Blue mug', 'a.c cable', 'abc cable'])
    expect(await names('?min_price=5.01&max_price=9.99')).toEqual(['a.c cable'])
    expect(await names('?min_price=39.9')).toEqual(['C++ book'])
    expect(await names('?max_price=3.20')).toEqual([
      'Mugwort tea',
      ...[1, 2, 3, 4].map((i) => `Same time ${i}`),
    ])
    expect(await names('?category=kitchen&max_price=5')).toEqual(['Blue mug', 'Red Mug'])
  })

  it('searches names case-insensitively by substring', async () => {
    expect(await names('?q=mug')).toEqual(['Blue mug', 'MUG (large)', 'Mugwort tea', 'Red Mug'])
    expect(await names('?q=MUG&category=kitchen&min_price=5')).toEqual(['Blue mug', 'MUG (large)'])
    expect((await list('?q=')).total).toBe(String(created.length))
  })

  it('treats regex metacharacters in q as plain text', async () => {
    expect(await names('?q=a.c')).toEqual(['a.c cable'])
    expect(await names(`?q=${encodeURIComponent('C++')}`)).toEqual(['C++ book'])
    expect(await names(`?q=${encodeURIComponent('(large)')}`)).toEqual(['MUG (large)'])
    expect(await names(`?q=${encodeURIComponent('c/light')}`)).toEqual(['USB-C/Lightning [2m]'])
    expect(await names(`?q=${encodeURIComponent('-c/lightning [2M]')}`)).toEqual(['USB-C/Lightning [2m]'])
    for (const q of ['.*', ')(', '][', '\\', '^Red', 'mug$', '?', '|']) {
      const res = await list(`?q=${encodeURIComponent(q)}`)
      expect({ q, status: res.status, count: res.body.length }).toEqual({ q, status: 200, count: 0 })
    }
  })

  it('answers 400 for invalid, unknown or operator-shaped query parameters', async () => {
    const bad = [
      '?skip=-1',
      '?skip=abc',
      '?skip=1.5',
      '?limit=0',
      '?limit=101',
      '?limit=',
      '?min_price=-1',
      '?min_price=1.005',
      '?max_price=abc',
      '?min_price=10&max_price=5',
      '?min_price=1e3',
      '?category=',
      `?category${encodeURIComponent('[$ne]')}=x`,
      '?category[$ne]=x',
      '?name[$regex]=.*',
      '?category=a&category=b',
      '?sort=price',
    ]
    for (const query of bad) {
      const res = await t.send('GET', `${PRODUCTS}${query}`)
      expect({ query, status: res.status }).toEqual({ query, status: 400 })
      expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    }
  })
})
