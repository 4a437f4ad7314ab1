import { TraceError } from './types'
import { checkCount } from './values'

export interface ParsedCsv {
  gapSeconds: number
  startTime: string
  values: Int32Array
}

/**
 * A probe gap may stray this far from the typical (median) gap. The AWS probes jitter between 194 and
 * 280 s around 195 s; a gap of twice the median means a missing probe, which ticks cannot represent.
 */
const SPACING_TOLERANCE = 0.5

/** Parses a `date,availability` CSV: UTC dates, one probe per row, evenly spaced. */
export function parseCsvTrace(file: string, text: string): ParsedCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const header = lines[0]
    .trim()
    .toLowerCase()
    .replace(/\s*,\s*/g, ',')
  if (header !== 'date,availability') {
    throw new TraceError(
      file,
      `bad CSV header ${JSON.stringify(lines[0].trim().slice(0, 40))}, expected "date,availability"`
    )
  }
  const times: number[] = []
  const values: number[] = []
  const lineNos: number[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    const fields = line.split(',')
    if (fields.length !== 2)
      throw new TraceError(file, `line ${i + 1} has ${fields.length} fields, expected 2`)
    times.push(parseUtcDate(file, fields[0].trim(), i + 1))
    lineNos.push(i + 1)
    const raw = fields[1].trim()
    const value = raw === '' ? NaN : Number(raw)
    values.push(
      checkCount(file, Number.isNaN(value) ? raw : value, `availability on line ${i + 1}`)
    )
  }
  if (times.length < 2)
    throw new TraceError(
      file,
      `needs at least 2 rows to derive the probe spacing, found ${times.length}`
    )
  return {
    gapSeconds: evenGapSeconds(file, times, lineNos),
    startTime: new Date(times[0]).toISOString(),
    values: Int32Array.from(values)
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$/

/** `YYYY-MM-DD HH:MM:SS` (UTC) to epoch ms; rejects impossible dates such as 2023-02-30. */
export function parseUtcDate(file: string, text: string, line: number): number {
  const m = DATE.exec(text)
  const bad = () =>
    new TraceError(
      file,
      `bad date ${JSON.stringify(text.slice(0, 40))} on line ${line}, expected UTC "YYYY-MM-DD HH:MM:SS"`
    )
  if (!m) throw bad()
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number)
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) + (m[7] ? Math.round(Number(m[7]) * 1000) : 0)
  const back = new Date(ms)
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    throw bad()
  return ms
}

/**
 * The tick length: the mean spacing (span / intervals), so tick i stays close to the real time of
 * probe i over the whole trace instead of drifting as a rounded median would (0.35 s a probe adds up
 * to about 2 h over the 45-day AWS set). Every single gap must be within tolerance of the median.
 */
function evenGapSeconds(file: string, times: number[], lineNos: number[]): number {
  const gaps = new Float64Array(times.length - 1)
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] - times[i - 1]) / 1000
    if (gap <= 0) throw new TraceError(file, `dates do not increase at line ${lineNos[i]}`)
    gaps[i - 1] = gap
  }
  const median = Float64Array.from(gaps).sort()[gaps.length >> 1]
  for (let i = 0; i < gaps.length; i++) {
    if (Math.abs(gaps[i] - median) > SPACING_TOLERANCE * median) {
      throw new TraceError(
        file,
        `uneven spacing: lines ${lineNos[i]} and ${lineNos[i + 1]} are ${gaps[i]} s apart, typical spacing is ${median} s`
      )
    }
  }
  const mean = (times[times.length - 1] - times[0]) / 1000 / gaps.length
  return Math.round(mean * 1000) / 1000
}
