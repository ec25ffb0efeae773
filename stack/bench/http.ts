import { GATEWAY } from './api.ts'
import { startBareCaddy } from './bare-caddy.ts'
import { CATEGORIES } from './catalogue.ts'
import { spawnPrinting, spawnService } from './processes.ts'
import type { Row } from './report.ts'
import { round } from './stats.ts'
import { runWrk, type WrkOptions, type WrkResult } from './wrk.ts'

export interface HttpInput {
  productUrl: string
  ids: string[]
  /** A real product body, for the ceiling app to answer. */
  sample: unknown
  wrk: WrkOptions
  /** The services read TRACE_SAMPLE_RATIO: measure by id with tracing at 1.0 and off. */
  tracing: boolean
  log: (line: string) => void
}

const CASES = {
  by_id: 'product by id',
  list20: 'list of 20',
  filtered: 'filtered list of 20',
  health: '/health',
} as const
type Case = keyof typeof CASES

const paths = (ids: string[], gateway: boolean): Record<Case, string[]> => ({
  by_id: ids.map((id) => `/api/v1/products/${id}`),
  list20: ['/api/v1/products/?limit=20'],
  filtered: [`/api/v1/products/?category=${CATEGORIES[0]}&min_price=10&max_price=500&limit=20`],
  health: [gateway ? '/health/product' : '/health'],
})

const row = (id: string, label: string, r: WrkResult, note?: string): Row => ({
  id,
  label,
  value: r.rps,
  unit: 'req/s',
  p50_ms: r.requests > 0 ? round(r.p50_ms, 2) : undefined,
  p99_ms: r.requests > 0 ? round(r.p99_ms, 2) : undefined,
  errors: r.non_2xx + r.socket_errors,
  note:
    note ??
    (r.requests === 0
      ? 'no answer within the run'
      : r.socket_errors > 0
        ? `${r.socket_errors} socket errors`
        : undefined),
})

const share = (
  id: string,
  label: string,
  ours: WrkResult | undefined,
  ceiling: WrkResult | undefined,
): Row => ({
  id,
  label,
  value: ours && ceiling ? Math.round((100 * ours.rps) / ceiling.rps) : null,
  unit: '%',
})

/** Every HTTP case direct and through the gateway, the bare-Hono ceiling, and tracing's cost if it exists. */
export async function httpBench({ productUrl, ids, sample, wrk, tracing, log }: HttpInput) {
  const rows: Row[] = []
  const results: Record<string, WrkResult> = {}
  const measure = async (key: string, base: string, casePaths: string[]) => {
    log(`wrk ${key} (${casePaths.length} path${casePaths.length > 1 ? 's' : ''}) ${wrk.seconds}s`)
    const r = await runWrk(base, casePaths, wrk)
    results[key] = r
    return r
  }

  for (const [target, base] of [
    ['direct', productUrl],
    ['gateway', GATEWAY],
  ] as const) {
    const casePaths = paths(ids, target === 'gateway')
    for (const name of Object.keys(CASES) as Case[]) {
      const r = await measure(`${target}.${name}`, base, casePaths[name])
      rows.push(row(`http.${target}.${name}`, `HTTP ${target}: ${CASES[name]}`, r))
    }
  }

  const ceiling = await spawnPrinting('stack/bench/ceiling-app.ts', {
    CEILING_PRODUCT: JSON.stringify(sample),
  })
  try {
    const base = `http://127.0.0.1:${ceiling.firstLine.trim()}`
    const casePaths = paths(ids, false)
    for (const name of ['by_id', 'list20', 'health'] as const) {
      const r = await measure(`ceiling.${name}`, base, casePaths[name])
      rows.push(row(`http.ceiling.${name}`, `ceiling (bare Hono on Bun): ${CASES[name]}`, r))
    }
    if (Bun.which('caddy')) {
      const caddy = await startBareCaddy(base.replace('http://', ''))
      try {
        const r = await measure('ceiling.caddy.by_id', caddy.url, casePaths.by_id)
        rows.push(
          row('http.ceiling.caddy.by_id', 'ceiling through a bare Caddy (reverse_proxy only): by id', r),
        )
      } finally {
        await caddy.stop()
      }
    }
  } finally {
    await ceiling.stop()
  }
  rows.push(
    share(
      'http.share.by_id',
      'ours / ceiling: by id, direct',
      results['direct.by_id'],
      results['ceiling.by_id'],
    ),
  )
  rows.push(
    share(
      'http.share.list20',
      'ours / ceiling: list of 20, direct',
      results['direct.list20'],
      results['ceiling.list20'],
    ),
  )
  rows.push(
    share(
      'http.share.gateway.by_id',
      'ours through the gateway / ceiling through a bare Caddy: by id',
      results['gateway.by_id'],
      results['ceiling.caddy.by_id'],
    ),
  )
  rows.push(
    share(
      'http.share.health',
      'ours / ceiling: /health, direct',
      results['direct.health'],
      results['ceiling.health'],
    ),
  )

  if (tracing) rows.push(...(await tracingCost(ids, measure)))
  return { rows, results }
}

/** By id on two extra product processes, TRACE_SAMPLE_RATIO=1 and =0, run one after the other. */
async function tracingCost(
  ids: string[],
  measure: (key: string, base: string, casePaths: string[]) => Promise<WrkResult>,
): Promise<Row[]> {
  const rows: Row[] = []
  const byRatio: Record<string, WrkResult> = {}
  for (const ratio of ['0', '1']) {
    const product = await spawnService('product', { TRACE_SAMPLE_RATIO: ratio })
    try {
      if (product.readyMs === undefined) throw new Error('the extra product process never got ready')
      const r = await measure(`tracing.${ratio}`, product.url, paths(ids, false).by_id)
      byRatio[ratio] = r
      rows.push(
        row(
          `http.tracing.${ratio}`,
          `HTTP direct by id, TRACE_SAMPLE_RATIO=${ratio} (own process)`,
          r,
          undefined,
        ),
      )
    } finally {
      await product.stop()
    }
  }
  const on = byRatio['1']
  const off = byRatio['0']
  rows.push({
    id: 'http.tracing.cost',
    label: 'tracing at 1.0: throughput cost',
    value: on && off ? Math.round(100 * (1 - on.rps / off.rps)) : null,
    unit: '%',
    note: 'spans made and exported as the stack is configured (ZIPKIN_URL)',
  })
  return rows
}
