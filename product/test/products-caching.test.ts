import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHarness, type Harness, PRODUCTS } from './harness.ts'

describe('conditional reads', () => {
  let t: Harness
  beforeAll(async () => {
    t = await createHarness()
  })
  afterAll(() => t.close())

  it('tags a product with a weak ETag and answers 304 to a client that holds it, until it changes', async () => {
    const { _id: id } = await t.create({ name: 'Cached cup', category: 'cached' })
    const path = `${PRODUCTS}/${id}`
    const first = await t.send('GET', path)
    const tag = first.headers.get('ETag') as string
    expect(tag).toMatch(/^W\/".+"$/)
    expect(first.headers.get('Cache-Control')).toBe('no-cache')

    const again = await t.send('GET', path, undefined, { 'If-None-Match': tag })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect(again.headers.get('ETag')).toBe(tag)
    expect((await t.send('GET', path, undefined, { 'If-None-Match': `W/"other", ${tag}` })).status).toBe(304)
    expect((await t.send('GET', path, undefined, { 'If-None-Match': 'W/"other"' })).status).toBe(200)

    expect((await t.asAdmin('PATCH', path, { price: 3.5 })).status).toBe(200)
    const changed = await t.send('GET', path, undefined, { 'If-None-Match': tag })
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ price: 3.5 })
    expect(changed.headers.get('ETag')).not.toBe(tag)
  })

  it('tags a list by what it holds, with a short Cache-Control, and changes the tag when a product in it does', async () => {
    const { _id: id } = await t.create({ name: 'Listed bowl', category: 'cached-list' })
    const path = `${PRODUCTS}?category=cached-list`
    const first = await t.send('GET', path)
    const tag = first.headers.get('ETag') as string
    expect(tag).toMatch(/^W\/".+"$/)
    expect(first.headers.get('Cache-Control')).toBe('public, max-age=5')

    const again = await t.send('GET', path, undefined, { 'If-None-Match': tag })
    expect(again.status).toBe(304)
    expect(again.headers.get('X-Total-Count')).toBe('1')
    // A change elsewhere in the catalogue leaves this answer, and so its tag, as it was.
    await t.create({ name: 'Elsewhere', category: 'other' })
    expect((await t.send('GET', path, undefined, { 'If-None-Match': tag })).status).toBe(304)

    expect((await t.asAdmin('PATCH', `${PRODUCTS}/${id}`, { name: 'Renamed bowl' })).status).toBe(200)
    const renamed = await t.send('GET', path, undefined, { 'If-None-Match': tag })
    expect(renamed.status).toBe(200)
    await t.create({ name: 'Second bowl', category: 'cached-list' })
    const grown = await t.send('GET', path, undefined, {
      'If-None-Match': renamed.headers.get('ETag') as string,
    })
    expect(grown.status).toBe(200)
    expect(grown.headers.get('X-Total-Count')).toBe('2')
  })
})

describe('text a store cannot keep', () => {
  let t: Harness
  beforeAll(async () => {
    t = await createHarness()
  })
  afterAll(() => t.close())

  const unstorable = ['nul\u0000inside', 'lone \uD800 surrogate', 'trailing \uDC00']

  it('answers 400 naming the field for NUL or an unpaired surrogate on create and update, storing nothing', async () => {
    const { _id: id } = await t.create({ name: 'Clean' })
    const before = await t.products.countDocuments()
    for (const field of ['name', 'description', 'category']) {
      for (const text of unstorable) {
        const created = await t.asAdmin('POST', PRODUCTS, {
          ...{ name: 'n', category: 'c', price: 1, quantity: 1 },
          [field]: text,
        })
        const updated = await t.asAdmin('PATCH', `${PRODUCTS}/${id}`, { [field]: text })
        for (const res of [created, updated]) {
          expect({ field, status: res.status }).toEqual({ field, status: 400 })
          const problem = (await res.json()) as { errors: { path: string }[] }
          expect(problem.errors.map((e) => e.path)).toContain(field)
        }
      }
    }
    expect(await t.products.countDocuments()).toBe(before)
    expect(await t.rawDoc(id)).toMatchObject({ name: 'Clean', version: 1 })
  })

  it('answers 400 naming q for such a search, and for a skip past 10,000', async () => {
    const res = await t.send('GET', `${PRODUCTS}?q=nul%00inside`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('q')
    // A URL carries UTF-8, where a lone surrogate can only be sent as invalid bytes: never a 5xx.
    for (const bytes of ['lone%20%ED%A0%80', '%ED%B0%80', '%FF%FE', '%C0%80']) {
      const status = (await t.send('GET', `${PRODUCTS}?q=${bytes}`)).status
      expect({ bytes, status: status < 500 }).toEqual({ bytes, status: true })
    }
    expect((await t.send('GET', `${PRODUCTS}?skip=10000`)).status).toBe(200)
    const deep = await t.send('GET', `${PRODUCTS}?skip=10001`)
    expect(deep.status).toBe(400)
    expect(((await deep.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('skip')
  })
})
