import type { CostRow } from './types'

export const MS_PER_HOUR = 3_600_000
const MS_PER_DAY = 86_400_000

/** One ledger row: a constant price over [fromMs, toMs). */
export interface LedgerSegment {
  fromMs: number
  toMs: number
  pricePerHour: number
  ondemandPricePerHour: number
  /** billed time per wall time (see schema migration 2); 1 on a real cloud */
  timeScale?: number
}

/** $ for a span at an hourly price; billing is by the second of life, so ms are kept exact. */
export function costOf(pricePerHour: number, ms: number): number {
  return (pricePerHour * ms) / MS_PER_HOUR
}

/**
 * Cost per UTC day of the segments clipped to [fromMs, toMs). A segment across midnight is split:
 * its price is constant, so each day gets the share of its own seconds.
 */
export function costByDay(
  segments: Iterable<LedgerSegment>,
  fromMs: number,
  toMs: number
): CostRow[] {
  const days = new Map<string, CostRow>()
  for (const s of segments) {
    let start = Math.max(s.fromMs, fromMs)
    const end = Math.min(s.toMs, toMs)
    while (start < end) {
      const dayEnd = Math.min(end, (Math.floor(start / MS_PER_DAY) + 1) * MS_PER_DAY)
      addTo(days, dayKey(start), s, dayEnd - start)
      start = dayEnd
    }
  }
  return [...days.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

function addTo(days: Map<string, CostRow>, key: string, s: LedgerSegment, ms: number): void {
  const row = days.get(key) ?? { key, cost: 0, ondemandCost: 0, instanceHours: 0 }
  const billed = ms * (s.timeScale ?? 1)
  row.cost += costOf(s.pricePerHour, billed)
  row.ondemandCost += costOf(s.ondemandPricePerHour, billed)
  row.instanceHours += billed / MS_PER_HOUR
  days.set(key, row)
}

function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

export function savingsPct(cost: number, ondemandCost: number): number {
  return ondemandCost > 0 ? 100 * (1 - cost / ondemandCost) : 0
}
