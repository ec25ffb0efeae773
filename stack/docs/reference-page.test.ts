import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { waitFor } from '@shop/shared/testing/wait-for'
import { findChromium, launchChromium } from './cdp.ts'

const GATEWAY = process.env.GATEWAY_URL ?? 'http://127.0.0.1:80'
const SCREENSHOT = join(import.meta.dir, '..', '..', '.cache', 'docs', 'api-reference.png')

/** Operations a newcomer must find on the page, one of each service at least. */
const EXPECTED = [
  '/api/v1/auth/register',
  '/api/v1/products/',
  '/api/v1/inventory/{product_id}',
  '/api/v1/orders/',
]

// stack/test installs Debian's chromium when it is missing, so under `npm test` this always runs.
const chromium = await findChromium()
if (!chromium) {
  process.stderr.write(
    'SKIPPED the API reference page test: no Chromium (set CHROMIUM, or install Debian package chromium)\n',
  )
}

describe.skipIf(!chromium)('the API reference page in a real browser', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>
  const requested: string[] = []

  beforeAll(async () => {
    browser = await launchChromium(chromium)
    browser.on('Network.requestWillBeSent', (params) => {
      requested.push((params.request as { url: string }).url)
    })
    await browser.send('Network.enable')
    await browser.send('Page.enable')
    await browser.send('Page.navigate', { url: `${GATEWAY}/api/v1/docs` })
  })
  afterAll(async () => {
    await browser?.close()
  })

  const rendered = async () => {
    const { result } = await browser.send<{ result: { value: string[] } }>('Runtime.evaluate', {
      expression: `[...document.querySelectorAll('.opblock-summary-path')].map((el) => el.getAttribute('data-path') || el.textContent)`,
      returnByValue: true,
    })
    return result.value ?? []
  }

  it('renders operations of all four services', async () => {
    await waitFor(async () => (await rendered()).length > 20, { timeoutMs: 30_000 })
    const paths = await rendered()
    for (const path of EXPECTED) expect(paths.map((p) => p.replace(/\u200b/g, ''))).toContain(path)
    const { data } = await browser.send<{ data: string }>('Page.captureScreenshot', { format: 'png' })
    await mkdir(join(SCREENSHOT, '..'), { recursive: true })
    await Bun.write(SCREENSHOT, Buffer.from(data, 'base64'))
  })

  it('requests nothing outside this machine', () => {
    const outside = requested.filter((url) => !/^(https?:\/\/127\.0\.0\.1[:/]|data:|about:|blob:)/.test(url))
    expect(requested.length).toBeGreaterThan(2)
    expect(outside).toEqual([])
  })
})
