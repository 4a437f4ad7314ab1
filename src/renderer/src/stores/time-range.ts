// The one time range Timeline, Costs and Replay share: choosing it in one view keeps it in the others.
// Presets count cloud time (on the sandbox "last 6 h" is six sandbox hours, a minute of wall time at
// ×360), the clock every time in the cockpit reads on; "All data" loads a long window and each view
// fits it to what it finds; a custom range is two wall instants.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { useStatusStore } from './status'
import type { CloudClock } from '@renderer/format/cloud-time'

const HOUR = 3_600_000
const DAY = 24 * HOUR

export const TIME_PRESETS = [
  { id: 'fit', label: 'All data', cloudMs: 0 },
  { id: '1h', label: 'Last 1 h', cloudMs: HOUR },
  { id: '6h', label: 'Last 6 h', cloudMs: 6 * HOUR },
  { id: '24h', label: 'Last 24 h', cloudMs: DAY },
  { id: '7d', label: 'Last 7 d', cloudMs: 7 * DAY }
] as const
export type PresetId = (typeof TIME_PRESETS)[number]['id']
export type RangeChoice = PresetId | 'custom'

/** How far back (wall time) "All data" looks before fitting to the data. */
export const FIT_LOOKBACK_MS = 30 * DAY

export interface TimeWindow {
  from: number
  to: number
  /** true for "All data": the view narrows `from` to its first data point */
  fit: boolean
}

/** The wall-time window of a preset at `now`, its cloud span divided by the sandbox speed. */
export function presetWindow(id: PresetId, now: number, speed: number): TimeWindow {
  const preset = TIME_PRESETS.find((p) => p.id === id) ?? TIME_PRESETS[0]
  if (preset.cloudMs === 0) return { from: now - FIT_LOOKBACK_MS, to: now, fit: true }
  return { from: now - preset.cloudMs / Math.max(1, speed), to: now, fit: false }
}

/**
 * A window fitted to the data in it: from a little before the first time to the window's end (a
 * window with no data keeps its end and a short span before it).
 */
export function fitWindow(times: Iterable<number>, to: number, minSpanMs = 1_000): TimeWindow {
  let first = Infinity
  for (const t of times) if (t < first) first = t
  if (!Number.isFinite(first) || first >= to) return { from: to - minSpanMs, to, fit: true }
  const span = Math.max(minSpanMs, to - first)
  return { from: Math.floor(to - span * 1.03), to, fit: true }
}

export const useTimeRangeStore = defineStore('timeRange', () => {
  const status = useStatusStore()
  const choice = ref<RangeChoice>('fit')
  const custom = ref<{ from: number; to: number } | null>(null)
  /** bumps on every choice, even the same one again, so views reload on a repeated click */
  const version = ref(0)

  function pick(id: PresetId): void {
    choice.value = id
    version.value++
  }

  function pickCustom(from: number, to: number): void {
    if (!(to > from)) throw new RangeError('the end must be after the start')
    custom.value = { from, to }
    choice.value = 'custom'
    version.value++
  }

  /** The window to load now (engine time). */
  function window(now = status.engineNow()): TimeWindow {
    if (choice.value === 'custom' && custom.value) return { ...custom.value, fit: false }
    return presetWindow(choice.value === 'custom' ? 'fit' : choice.value, now, status.speed)
  }

  /** The clock times read on: sandbox time since the engine started, or wall time on a real cloud. */
  const clock = computed<CloudClock>(() => ({
    origin: status.status?.startedAt ?? 0,
    speed: status.speed
  }))

  return { choice, custom, version, pick, pickCustom, window, clock }
})
