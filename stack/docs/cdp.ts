import { rm } from 'node:fs/promises'
import type { Subprocess } from 'bun'

const DEFAULT_PATH = '/usr/bin/chromium'

/** The Chromium to drive: $CHROMIUM, Debian's /usr/bin/chromium, or `chromium` on PATH; undefined when none. */
export async function findChromium() {
  for (const candidate of [process.env.CHROMIUM, DEFAULT_PATH, Bun.which('chromium') ?? undefined]) {
    if (candidate && (await Bun.file(candidate).exists())) return candidate
  }
  return undefined
}

/**
 * A headless Chromium driven over the DevTools protocol with Bun's own WebSocket: enough to open a page,
 * watch every request it makes, evaluate an expression and take a screenshot, with no browser library.
 * Started with the flags that keep Chromium from calling home (this machine's network is closed).
 */
export async function launchChromium(executable = process.env.CHROMIUM ?? DEFAULT_PATH) {
  const profile = `${process.env.TMPDIR ?? '/tmp'}/chromium-${crypto.randomUUID()}`
  const browser: Subprocess = Bun.spawn(
    [
      executable,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      `--user-data-dir=${profile}`,
      '--remote-debugging-port=0',
      '--window-size=1280,1800',
      'about:blank',
    ],
    { stdout: 'ignore', stderr: 'pipe' },
  )
  const wsUrl = await devtoolsUrl(browser)
  const port = new URL(wsUrl).port
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    type: string
    webSocketDebuggerUrl: string
  }[]
  const page = targets.find((target) => target.type === 'page')
  if (!page) throw new Error('Chromium opened no page')
  const session = await connect(page.webSocketDebuggerUrl)
  return {
    ...session,
    async close() {
      session.socket.close()
      browser.kill()
      await browser.exited
      await rm(profile, { recursive: true, force: true })
    },
  }
}

async function devtoolsUrl(browser: Subprocess) {
  const reader = (browser.stderr as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let seen = ''
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const { value, done } = await reader.read()
    if (done) break
    seen += decoder.decode(value)
    const match = seen.match(/DevTools listening on (ws:\/\/\S+)/)
    if (match?.[1]) {
      reader.releaseLock()
      return match[1]
    }
  }
  throw new Error(`Chromium did not open its DevTools port: ${seen.slice(-500)}`)
}

type Listener = (params: Record<string, unknown>) => void

async function connect(url: string) {
  const socket = new WebSocket(url)
  await new Promise((resolve, reject) => {
    socket.onopen = resolve
    socket.onerror = reject
  })
  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  const listeners = new Map<string, Listener[]>()
  socket.onmessage = (message) => {
    const data = JSON.parse(String(message.data))
    if (data.id !== undefined) {
      const call = pending.get(data.id)
      pending.delete(data.id)
      if (data.error) call?.reject(new Error(data.error.message))
      else call?.resolve(data.result)
    } else {
      for (const listener of listeners.get(data.method) ?? []) listener(data.params)
    }
  }
  const send = <T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      socket.send(JSON.stringify({ id, method, params }))
    })
  const on = (method: string, listener: Listener) => {
    listeners.set(method, [...(listeners.get(method) ?? []), listener])
  }
  return { socket, send, on }
}
