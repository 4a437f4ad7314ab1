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
 * Spreads each row clipped to [fromMs, toMs) over buckets that end at `edgeAfter(t)`: a row's price is
 * constant, so a bucket gets the share of the row's cost that its wall ms are of the row's.
 */
function spread(
  rows: Iterable<BookedRow>,
  fromMs: number,
  toMs: number,
  edgeAfter: (t: number) => number,
  add: (start: number, share: number, hours: number, r: BookedRow) => void
): void {
  for (const r of rows) {
    let start = Math.max(r.fromMs, fromMs)
    const end = Math.min(r.toMs, toMs)
    while (start < end) {
      const edge = Math.min(end, edgeAfter(start))
      const hours =
        rowSeconds({ fromMs: start, toMs: edge, timeScale: r.timeScale }) / SECONDS_PER_HOUR
      add(start, (edge - start) / (r.toMs - r.fromMs), hours, r)
      start = edge
    }
  }
}

/** Cost per UTC day of the rows clipped to [fromMs, toMs). */
export function costByDay(rows: Iterable<BookedRow>, fromMs: number, toMs: number): DayCost[] {
  const days = new Map<string, DayCost>()
  spread(
    rows,
    fromMs,
    toMs,
    (t) => (Math.floor(t / MS_PER_DAY) + 1) * MS_PER_DAY,
    (start, share, hours, r) => {
      const key = new Date(start).toISOString().slice(0, 10)
      const day = days.get(key) ?? { key, cost: 0, ondemandCost: 0, instanceHours: 0 }
      day.cost += r.cost * share
      day.ondemandCost += r.ondemandCost * share
      day.instanceHours += hours
      days.set(key, day)
    }
  )
  return [...days.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** Spend in one bucket of a cost series. */
export interface BucketCost {
  /** the bucket's start, wall ms */
  at: number
  cost: number
  ondemandCost: number
}

/**
 * Cost per bucket of `bucketMs` from fromMs (the last one may be shorter), every bucket present
 * (zero when nothing ran), oldest first: the series a cumulative spend line is drawn from.
 */
export function costByBucket(
  rows: Iterable<BookedRow>,
  fromMs: number,
  toMs: number,
  bucketMs: number
): BucketCost[] {
  if (!(bucketMs > 0) || !(toMs > fromMs)) return []
  const count = Math.ceil((toMs - fromMs) / bucketMs)
  const buckets: BucketCost[] = Array.from({ length: count }, (_, k) => ({
    at: fromMs + k * bucketMs,
    cost: 0,
    ondemandCost: 0
  }))
  const indexOf = (t: number): number => Math.floor((t - fromMs) / bucketMs)
  spread(
    rows,
    fromMs,
    toMs,
    (t) => fromMs + (indexOf(t) + 1) * bucketMs,
    (start, share, _hours, r) => {
      const b = buckets[indexOf(start)]
      b.cost += r.cost * share
      b.ondemandCost += r.ondemandCost * share
    }
  )
  return buckets
}
