// What-if results as files: the SimulationOutput as JSON, and a flat CSV (one row per policy x
// metric). Downloads go through a Blob and a temporary anchor, so no Node API is needed.
import { METRIC_NAMES, type MetricSummary, type SimulationOutput } from '@shared/simulation'

export const CSV_HEADER = 'policy,metric,mean,ci95_low,ci95_high'

function cell(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : ''
}

function quote(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** `policy,metric,mean,ci95_low,ci95_high`, one row per policy x metric (METRIC_NAMES order); empty cells for undefined values. */
export function outputToCsv(output: SimulationOutput): string {
  const lines = [CSV_HEADER]
  for (const result of output.results) {
    for (const metric of METRIC_NAMES) {
      const m = result.metrics[metric] as MetricSummary | null | undefined
      lines.push(
        [quote(result.policy), metric, cell(m?.mean), cell(m?.ci95?.[0]), cell(m?.ci95?.[1])].join(
          ','
        )
      )
    }
  }
  return `${lines.join('\n')}\n`
}

export function outputToJson(output: SimulationOutput): string {
  return `${JSON.stringify(output, null, 2)}\n`
}

/** A file name for a run's export: "whatif-<name or seed>.<ext>". */
export function exportFileName(base: string, ext: 'json' | 'csv'): string {
  const safe =
    base
      .trim()
      .replace(/[^A-Za-z0-9_.-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'run'
  return `whatif-${safe}.${ext}`
}

/** Saves text as a download: a Blob, an object URL and a temporary anchor that is clicked and removed. */
export function downloadText(fileName: string, text: string, type: string): void {
  const blob = new Blob([text], { type })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** "12.34 [11.2, 13.5]"; an em dash when the value is undefined (e.g. completion time with nothing completed). */
export function formatSummary(m: MetricSummary | null | undefined): string {
  if (!m || typeof m.mean !== 'number' || !Number.isFinite(m.mean)) return '—'
  const [low, high] = m.ci95 ?? [m.mean, m.mean]
  return `${formatNumber(m.mean)} [${formatNumber(low)}, ${formatNumber(high)}]`
}

/** Up to 2 decimals, no trailing zeros, no grouping: 170.7, 1234.57, 0.05. */
export function formatNumber(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—'
  const abs = Math.abs(n)
  const digits = abs !== 0 && abs < 0.01 ? 4 : 2
  const r = Number(n.toFixed(digits))
  return String(Object.is(r, -0) ? 0 : r)
}
