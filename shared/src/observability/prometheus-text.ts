export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g

/**
 * Parses Prometheus text exposition (version 0.0.4) into samples, strictly: a line that is neither a comment
 * nor a well-formed sample throws. For tests and the benchmark, which read `/metrics` as Prometheus would.
 */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`)
    const [, name = '', labelText = '', valueText = ''] = match
    const labels: Record<string, string> = {}
    for (const [, key = '', value = ''] of labelText.matchAll(LABEL))
      labels[key] = value.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))
    // Values as Go's ParseFloat reads them, as Prometheus does: NaN and Inf in any case (prom-client writes `Nan`).
    const value = /^[+-]?inf$/i.test(valueText)
      ? (valueText.startsWith('-') ? -1 : 1) * Number.POSITIVE_INFINITY
      : /^nan$/i.test(valueText)
        ? Number.NaN
        : Number(valueText)
    if (Number.isNaN(value) && !/^nan$/i.test(valueText)) throw new Error(`not a number in: ${line}`)
    samples.push({ name, labels, value })
  }
  return samples
}

/** The sum of the samples named `name` whose labels include `labels` (0 when none). */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}) {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0)
}
