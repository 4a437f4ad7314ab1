// The ledger's view of the same rule: rows over wall-clock ms, each at one price, with `timeScale`
// billed ms per wall ms (1 on a real cloud; the sandbox's speed, since it bills simulated seconds).
// The engine appends rows as an instance runs and closes its life with the rest of its bill, so the
// ledger's total for an instance always equals billOfLife of the same life and prices.

import {
  billedSecondsOfEndedLife,
  costAt,
  livedSeconds,
  pricedSpans,
  SECONDS_PER_HOUR,
  type PriceStep
} from './bill'

const MS_PER_DAY = 86_400_000
const MS_PER_SECOND = 1000

/** One ledger row: over wall time [fromMs, toMs) an instance was billed at one price. */
export interface LedgerRow {
  fromMs: number
  toMs: number
  pricePerHour: number
  onDemandPricePerHour: number
  /** billed ms per wall ms */
  timeScale: number
}

/** Billed seconds of a row. */
export function rowSeconds(row: Pick<LedgerRow, 'fromMs' | 'toMs' | 'timeScale'>): number {
  return ((row.toMs - row.fromMs) * row.timeScale) / MS_PER_SECOND
}

/** $ of a row, and what its seconds would have cost on demand. */
export function rowCost(row: LedgerRow): { cost: number; ondemandCost: number } {
  const seconds = rowSeconds(row)
  return {
    cost: costAt(row.pricePerHour, seconds),
    ondemandCost: costAt(row.onDemandPricePerHour, seconds)
  }
}

/** The price in force over a wall-clock span, as steps in wall ms (the first one in force at fromMs). */
export type PricesInForce = (fromMs: number, toMs: number) => readonly PriceStep[]

export interface AccrualContext {
  prices: PricesInForce
  onDemandPricePerHour: number
  timeScale: number
}

/** Rows billing a running instance from `fromMs` (where its ledger stops) up to `toMs`. */
export function runningRows(fromMs: number, toMs: number, c: AccrualContext): LedgerRow[] {
  return rows(pricedSpans(c.prices(fromMs, toMs), fromMs, toMs), c)
}

/**
 * The rows that close an ended life whose ledger stops at `fromMs`: its last stretch up to `endedMs`
 * and the rest of its bill (the round-up to whole seconds, or the one-minute minimum), priced at the
 * price in force over those extra seconds. All of it is laid into the wall span [fromMs, endedMs), its
 * rows billing more time per wall ms, so that a window reaching the end holds the whole bill and the
 * ledger never books time after the instance ended. Only when the ledger already runs to or past the
 * end (a listing raced the termination) do the extra seconds go after fromMs as they fall.
 */
export function closingRows(
  life: { launchedMs: number; endedMs: number },
  fromMs: number,
  c: AccrualContext
): LedgerRow[] {
  const billedSeconds = billedSecondsOfEndedLife(
    livedSeconds(life.launchedMs, life.endedMs, c.timeScale)
  )
  const billedEndMs = life.launchedMs + (billedSeconds * MS_PER_SECOND) / c.timeScale
  const spans = pricedSpans(c.prices(fromMs, billedEndMs), fromMs, billedEndMs)
  if (spans.length === 0 || life.endedMs <= fromMs) return rows(spans, c)
  // squeeze [fromMs, billedEndMs) into [fromMs, endedMs): k wall ms per billed-time wall ms
  const k = (life.endedMs - fromMs) / (billedEndMs - fromMs)
  const at = (t: number): number => fromMs + (t - fromMs) * k
  return spans.map((s, i) => ({
    fromMs: at(s.from),
    toMs: i === spans.length - 1 ? life.endedMs : at(s.to),
    pricePerHour: s.pricePerHour,
    onDemandPricePerHour: c.onDemandPricePerHour,
    timeScale: c.timeScale / k
  }))
}

function rows(
  spans: readonly { from: number; to: number; pricePerHour: number }[],
  c: AccrualContext
): LedgerRow[] {
  return spans.map((s) => ({
    fromMs: s.from,
    toMs: s.to,
    pricePerHour: s.pricePerHour,
    onDemandPricePerHour: c.onDemandPricePerHour,
    timeScale: c.timeScale
  }))
}

/** A stored row with the cost the ledger booked for it. */
export interface BookedRow {
  fromMs: number
  toMs: number
  cost: number
  ondemandCost: number
  timeScale: number
}

export interface DayCost {
  /** UTC day, YYYY-MM-DD */
  key: string
  cost: number
  ondemandCost: number
  instanceHours: number
}

/**
 * Cost per UTC day of the rows clipped to [fromMs, toMs). A row's price is constant, so a day (or a
 * window) gets the share of the row's cost that its wall ms are of the row's.
 */
export function costByDay(rows: Iterable<BookedRow>, fromMs: number, toMs: number): DayCost[] {
  const days = new Map<string, DayCost>()
  for (const r of rows) {
    let start = Math.max(r.fromMs, fromMs)
    const end = Math.min(r.toMs, toMs)
    while (start < end) {
      const dayEnd = Math.min(end, (Math.floor(start / MS_PER_DAY) + 1) * MS_PER_DAY)
      const key = new Date(start).toISOString().slice(0, 10)
      const day = days.get(key) ?? { key, cost: 0, ondemandCost: 0, instanceHours: 0 }
      const share = (dayEnd - start) / (r.toMs - r.fromMs)
      day.cost += r.cost * share
      day.ondemandCost += r.ondemandCost * share
      day.instanceHours +=
        rowSeconds({ fromMs: start, toMs: dayEnd, timeScale: r.timeScale }) / SECONDS_PER_HOUR
      days.set(key, day)
      start = dayEnd
    }
  }
  return [...days.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}
