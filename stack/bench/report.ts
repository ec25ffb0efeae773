import { mkdir, readdir } from 'node:fs/promises'
import { ROOT } from './stack.ts'

/** One figure of the run: a line of the table and an entry of the JSON file, matched to the previous by id. */
export interface Row {
  id: string
  label: string
  value: number | string | null
  unit: string
  p50_ms?: number
  p99_ms?: number
  errors?: number
  note?: string
}

export interface BenchReport {
  started_at: string
  finished_at: string
  machine: { cores: number; load_before: number[] }
  options: Record<string, unknown>
  rows: Row[]
  details: Record<string, unknown>
}

const DIR = `${ROOT}/.cache/bench`

export async function previousReport(): Promise<BenchReport | undefined> {
  try {
    const files = (await readdir(DIR)).filter((f) => /^\d.*\.json$/.test(f)).sort()
    const last = files.at(-1)
    return last ? ((await Bun.file(`${DIR}/${last}`).json()) as BenchReport) : undefined
  } catch {
    return undefined
  }
}

export async function writeReport(report: BenchReport, dir = DIR) {
  await mkdir(dir, { recursive: true })
  const file = `${dir}/${report.started_at.replace(/[:.]/g, '-')}.json`
  await Bun.write(file, `${JSON.stringify(report, null, 2)}\n`)
  return file
}

const grouped = (n: number) =>
  Number.isInteger(n) && Math.abs(n) >= 1_000 ? n.toLocaleString('en') : String(n)
const ms = (n: number | undefined) => (n === undefined ? '' : `${n < 10 ? n.toFixed(2) : n.toFixed(0)} ms`)

const valueText = (row: Pick<Row, 'value' | 'unit'>) => {
  if (row.value === null) return '-'
  const v = typeof row.value === 'number' ? grouped(row.value) : row.value
  return row.unit ? `${v} ${row.unit}` : v
}

const previousText = (row: Row | undefined) => {
  if (!row) return ''
  const latency = row.p50_ms !== undefined ? ` (${ms(row.p50_ms)} / ${ms(row.p99_ms)})` : ''
  return `${valueText(row)}${latency}`
}

/** The one table: figure, value, p50, p99, errors, the previous run's value (p50 / p99), and a note. */
export function renderTable(rows: Row[], previous: BenchReport | undefined) {
  const before = new Map(previous?.rows.map((row) => [row.id, row]))
  const header = [
    'figure',
    'value',
    'p50',
    'p99',
    'errors',
    `previous${previous ? ` (${previous.started_at.slice(0, 16)})` : ''}`,
    'note',
  ]
  const lines = rows.map((row) => [
    row.label,
    valueText(row),
    ms(row.p50_ms),
    ms(row.p99_ms),
    row.errors === undefined ? '' : String(row.errors),
    previousText(before.get(row.id)),
    row.note ?? '',
  ])
  return columns(header, lines, new Set([1, 2, 3, 4]))
}

/** Plain text columns, padded to the widest cell; the columns in `right` aligned right. */
export function columns(header: string[], lines: string[][], right: Set<number>) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  const format = (cells: string[]) =>
    cells
      .map((cell, i) =>
        right.has(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number),
      )
      .join('  ')
      .trimEnd()
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n')
}
