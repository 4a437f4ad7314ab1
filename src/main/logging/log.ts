import type { Clock } from '../clock'

export type LogValue = string | number | boolean | null | undefined
export type LogFields = Record<string, LogValue>

/**
 * Structured log sink shared by the monitor, drain and agent: one call per action. The agent turns
 * each call into one human-readable line; library code never formats or prints by itself.
 */
export type Log = (action: string, fields?: LogFields) => void

export const silentLog: Log = () => {}

/** `2026-11-23T14:00:00.000Z agent notice action=terminate deadline=2026-11-23T14:02:00.000Z` */
export function formatLogLine(
  at: number,
  component: string,
  action: string,
  fields: LogFields = {}
): string {
  const parts = [new Date(at).toISOString(), component, action]
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue
    parts.push(`${key}=${formatValue(value)}`)
  }
  return parts.join(' ')
}

function formatValue(value: LogValue): string {
  const text = String(value)
  // quote only when needed so lines stay greppable and unambiguous
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)
}

/** A Log that writes one formatted line per action through `write` (console.log by default). */
export function lineLog(
  clock: Clock,
  component: string,
  write: (line: string) => void = console.log
): Log {
  return (action, fields) => write(formatLogLine(clock.now(), component, action, fields))
}

/** Epoch ms as ISO for log fields; undefined stays undefined so the field is omitted. */
export function iso(ms: number | undefined): string | undefined {
  return ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString()
}
