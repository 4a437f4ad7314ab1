// Number, money and time formatting shared by every view: one place so tables read the same everywhere.

const money = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2
})
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const pad = (n: number): string => String(n).padStart(2, '0')

/** "$1,234.56"; an em dash for a missing or non-finite value. */
export function formatMoney(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  // avoid "-$0.00" for tiny negative rounding noise
  return money.format(Math.abs(value) < 0.005 ? 0 : value)
}

/** "$0.35/h" */
export function formatRate(value: number | null | undefined): string {
  const text = formatMoney(value)
  return text === '—' ? text : `${text}/h`
}

export function formatInteger(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return integer.format(value)
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return `${value.toFixed(digits)}%`
}

/** Local wall time, "2025-03-04 14:05:09" (date omitted when `timeOnly`). */
export function formatLocalTime(ms: number | null | undefined, timeOnly = false): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  const d = new Date(ms)
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  if (timeOnly) return time
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`
}

/** The same instant in UTC, for hover titles: "2025-03-04 13:05:09 UTC". */
export function formatUtcTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return ''
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`
}

/** Compact duration: "45s", "12m 05s", "3h 07m", "2d 04h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—'
  const s = Math.max(0, Math.floor(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`
}

/** Countdown "mm:ss" (minutes keep counting past 59); never negative. */
export function formatCountdown(remainingMs: number): string {
  const total = Math.max(0, Math.ceil(remainingMs / 1000))
  return `${pad(Math.floor(total / 60))}:${pad(total % 60)}`
}

/** Value for an <input type="datetime-local"> in local time. */
export function toDatetimeLocal(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Parses an <input type="datetime-local"> value (local time); NaN when empty or malformed. */
export function fromDatetimeLocal(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value)
  if (!m) return Number.NaN
  return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0).getTime()
}
