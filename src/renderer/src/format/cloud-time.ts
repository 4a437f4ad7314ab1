// The one clock the cockpit reads times on. The engine stamps events in wall-clock ms; the sandbox
// runs `speed` times faster than that and bills on its own clock, so in sandbox mode a time reads as
// sandbox time since the engine started ("+5h 20m"), the same clock durations and costs use. On a
// real cloud (speed 1) a time is the local wall time.
import { formatDuration, formatLocalTime } from './format'

export interface CloudClock {
  /** wall ms the sandbox clock counts from (the engine's start) */
  origin: number
  /** cloud seconds per real second; 1 on a real cloud */
  speed: number
}

/** Cloud seconds between the clock's origin and a wall instant (negative before the origin). */
export function cloudSecondsAt(ms: number, clock: CloudClock): number {
  return ((ms - clock.origin) / 1000) * clock.speed
}

/** "+5h 20m" of sandbox time (or "−1h 05m" before the origin); local wall time at speed 1. */
export function formatCloudTime(ms: number, clock: CloudClock, withDate = false): string {
  if (!Number.isFinite(ms)) return '—'
  if (clock.speed <= 1) return formatLocalTime(ms, !withDate)
  const seconds = cloudSecondsAt(ms, clock)
  return `${seconds < 0 ? '−' : '+'}${formatDuration(Math.abs(seconds))}`
}

/** A span of wall ms as cloud time: "3h 07m" of sandbox time for 31 s at ×360. */
export function formatCloudSpan(wallMs: number, clock: CloudClock): string {
  return formatDuration((wallMs / 1000) * Math.max(1, clock.speed))
}
