/** Reads the services' Prometheus counters (`GET /metrics` on each process's own port). */
const MONGO_COMMANDS = 'mongodb_command_duration_seconds_count'

/** `name{labels} value` lines of one metric, summed by the label asked for; undefined if there is no /metrics. */
export async function scrapeByLabel(url: string, metric: string, label: string) {
  let text: string
  try {
    const res = await fetch(`${url}/metrics`)
    if (res.status !== 200) return undefined
    text = await res.text()
  } catch {
    return undefined
  }
  const sums: Record<string, number> = {}
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue
    const match = line.match(/^(\w+)(\{[^}]*\})?\s+([0-9.eE+-]+)/)
    if (!match || match[1] !== metric) continue
    const key = match[2]?.match(new RegExp(`${label}="([^"]*)"`))?.[1] ?? '(none)'
    sums[key] = (sums[key] ?? 0) + Number(match[3])
  }
  return sums
}

/** MongoDB commands by command name, summed over the processes given (replicas of one service). */
export async function mongoCommands(urls: string[]) {
  const total: Record<string, number> = {}
  let any = false
  for (const url of urls) {
    const sums = await scrapeByLabel(url, MONGO_COMMANDS, 'command')
    if (!sums) continue
    any = true
    for (const [name, n] of Object.entries(sums)) total[name] = (total[name] ?? 0) + n
  }
  return any ? total : undefined
}

export function delta(after: Record<string, number>, before: Record<string, number>) {
  const out: Record<string, number> = {}
  for (const [name, n] of Object.entries(after)) {
    const d = n - (before[name] ?? 0)
    if (d > 0) out[name] = d
  }
  return out
}
