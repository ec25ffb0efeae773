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

/** A figure of an earlier run, with when that run started. */
export type PreviousRow = Row & { at: string }

/**
 * The latest earlier value of every figure: runs are read oldest first, so a figure that the last run did
 * not measure (a run of some sections only) keeps the value of the run that last did.
 */
export async function previousFigures(): Promise<Map<string, PreviousRow>> {
  const figures = new Map<string, PreviousRow>()
  const files = (await readdir(DIR).catch(() => [] as string[])).filter((f) => /^\d.*\.json$/.test(f)).sort()
  for (const file of files) {
    const report = (await Bun.file(`${DIR}/${file}`)
      .json()
      .catch(() => undefined)) as BenchReport | undefined
    for (const row of report?.rows ?? []) {
      const { previous: _previous, ...figure } = row as Row & { previous?: unknown }
      figures.set(row.id, { ...figure, at: report?.started_at ?? '?' })
    }
  }
  return figures
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

const previousText = (row: PreviousRow | undefined) => {
  if (!row) return ''
  const latency = row.p50_ms !== undefined ? ` (${ms(row.p50_ms)} / ${ms(row.p99_ms)})` : ''
  return `${valueText(row)}${latency} ${row.at.slice(11, 16)}`
}

/** The one table: figure, value, p50, p99, errors, the figure's previous value (p50 / p99, time), a note. */
export function renderTable(rows: Row[], previous: Map<string, PreviousRow>) {
  const header = ['figure', 'value', 'p50', 'p99', 'errors', 'previous (p50 / p99, UTC)', 'note']
  const lines = rows.map((row) => [
    row.label,
    valueText(row),
    ms(row.p50_ms),
    ms(row.p99_ms),
    row.errors === undefined ? '' : String(row.errors),
    previousText(previous.get(row.id)),
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
