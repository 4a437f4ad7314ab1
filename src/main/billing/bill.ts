// Per-second billing at the price in force, the one rule of Synkti: the simulator, the sandbox cloud,
// the engine's ledger and so both the Fleet and the Costs views bill with these functions. Times are
// seconds of billed time (simulated seconds in the simulator and the sandbox) unless a name says ms.

/** AWS bills Linux instances per second with a one-minute minimum. */
export const MINIMUM_BILLED_SECONDS = 60
export const SECONDS_PER_HOUR = 3600

/** $ for `seconds` at an hourly price. */
export function costAt(pricePerHour: number, seconds: number): number {
  return pricePerHour * (seconds / SECONDS_PER_HOUR)
}

/** Seconds billed for a life that has ended after `livedSeconds`: whole seconds, at least the minimum. */
export function billedSecondsOfEndedLife(livedSeconds: number): number {
  return Math.max(MINIMUM_BILLED_SECONDS, Math.ceil(livedSeconds))
}

/**
 * How long a life lasted in billed seconds, from wall-clock ms at `timeScale` billed ms per wall ms,
 * rounded to the billed millisecond: epoch-sized ms times a rate carry float noise (1e-4 ms) that would
 * otherwise push a life of exactly 120 s to 121 billed seconds.
 */
export function livedSeconds(fromMs: number, toMs: number, timeScale = 1): number {
  return Math.round((toMs - fromMs) * timeScale) / 1000
}

export interface Life {
  /** when it started */
  start: number
  /** how long it lived, once it has ended; undefined while it runs */
  lived?: number
}

/**
 * End of the billed span [start, end) of a life at `now`. An ended life is billed its whole seconds
 * (at least the minimum), which may reach past its end and past `now`; a running one up to now.
 */
export function billedEnd(life: Life, now: number): number {
  if (life.lived === undefined) return Math.max(life.start, now)
  return life.start + billedSecondsOfEndedLife(life.lived)
}

export interface LifeBill {
  /** the billed span */
  start: number
  end: number
  /** $ at the price in force each second */
  cost: number
  /** $ the same seconds would have cost on demand */
  ondemandCost: number
}

/**
 * The bill of a life at `now`. `spotCost(from, to)` integrates the spot price path over a span; without
 * it the life ran on demand and costs its baseline.
 */
export function billOfLife(
  life: Life,
  now: number,
  onDemandPricePerHour: number,
  spotCost?: (from: number, to: number) => number
): LifeBill {
  const end = billedEnd(life, now)
  const ondemandCost = costAt(onDemandPricePerHour, end - life.start)
  const cost = spotCost ? spotCost(life.start, end) : ondemandCost
  return { start: life.start, end, cost, ondemandCost }
}

/** A price that holds from `at` until the next step's `at` (the last one holds on). */
export interface PriceStep {
  at: number
  pricePerHour: number
}

/** A span [from, to) at one price. */
export interface PricedSpan {
  from: number
  to: number
  pricePerHour: number
}

/**
 * [from, to) cut where the price changes, each piece at the price in force. `steps` are sorted by
 * time; the first step's price also holds before it, so a path that starts late still prices the span.
 */
export function pricedSpans(steps: readonly PriceStep[], from: number, to: number): PricedSpan[] {
  if (!(to > from)) return []
  if (steps.length === 0) throw new Error('pricedSpans: no price to bill at')
  const out: PricedSpan[] = []
  let i = 0
  while (i + 1 < steps.length && steps[i + 1].at <= from) i++
  let at = from
  while (at < to) {
    const next = i + 1 < steps.length ? Math.min(steps[i + 1].at, to) : to
    if (next > at) out.push({ from: at, to: next, pricePerHour: steps[i].pricePerHour })
    at = Math.max(at, next)
    i++
  }
  return out
}

/** $ of [from, to) seconds at the price in force each second. */
export function spanCost(steps: readonly PriceStep[], from: number, to: number): number {
  let sum = 0
  for (const s of pricedSpans(steps, from, to)) sum += costAt(s.pricePerHour, s.to - s.from)
  return sum
}

/** How much cheaper than on demand, %; 0 when nothing was billed. */
export function savingsPct(cost: number, ondemandCost: number): number {
  return ondemandCost > 0 ? 100 * (1 - cost / ondemandCost) : 0
}
