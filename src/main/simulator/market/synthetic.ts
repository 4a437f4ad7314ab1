import type { InstanceTypeSpec, SyntheticMarketConfig } from '../../../shared/simulation'
import { exponential, standardNormal } from '../../../shared/random'
import type { RunMarket } from './types'

// ---- Piecewise-constant series on a tick grid (shared with the trace market) ----

/**
 * A per-tick rate (a price in $/h or a hazard per hour), constant within each tick and held at the
 * last tick's value beyond the grid. `cum[i]` is the integral over [0, i * stepSeconds) in hours x
 * rate, so any integral is two lookups: O(1) and exact for the step path.
 */
export interface StepSeries {
  readonly stepSeconds: number
  readonly values: Float64Array
  readonly cum: Float64Array
}

export function stepSeries(values: Float64Array, stepSeconds: number): StepSeries {
  if (values.length === 0) throw new Error('a step series needs at least one value')
  const cum = new Float64Array(values.length + 1)
  for (let i = 0; i < values.length; i++) cum[i + 1] = cum[i] + (values[i] * stepSeconds) / 3600
  return { stepSeconds, values, cum }
}

function tickOf(s: StepSeries, t: number): number {
  const k = Math.floor(t / s.stepSeconds)
  return k < 0 ? 0 : k >= s.values.length ? s.values.length - 1 : k
}

export function valueAt(s: StepSeries, t: number): number {
  return s.values[tickOf(s, t)]
}

/** Integral of the series over [0, t), rate x hours; t < 0 counts as 0. */
export function integralTo(s: StepSeries, t: number): number {
  if (!(t > 0)) return 0
  const k = tickOf(s, t)
  return s.cum[k] + (s.values[k] * (t - k * s.stepSeconds)) / 3600
}

/** Integral over [t0, t1); 0 for an empty or reversed interval. */
export function integral(s: StepSeries, t0: number, t1: number): number {
  return t1 > t0 ? integralTo(s, t1) - integralTo(s, t0) : 0
}

/** The first time the integral from 0 reaches `target` (binary search on cum); Infinity if never. */
export function timeToReach(s: StepSeries, target: number): number {
  if (target <= 0) return 0
  const n = s.values.length
  if (target > s.cum[n]) {
    // beyond the grid the last value holds
    const last = s.values[n - 1]
    return last > 0 ? n * s.stepSeconds + ((target - s.cum[n]) * 3600) / last : Infinity
  }
  // smallest k with cum[k] >= target (k >= 1 since cum[0] = 0 < target)
  let lo = 1
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (s.cum[mid] >= target) hi = mid
    else lo = mid + 1
  }
  if (s.cum[lo] === target) return lo * s.stepSeconds
  // cum[lo - 1] < target < cum[lo]: crossed inside tick lo - 1, whose rate is positive
  return (lo - 1) * s.stepSeconds + ((target - s.cum[lo - 1]) * 3600) / s.values[lo - 1]
}

// ---- Synthetic market ----

/** Mean spot price of each zone: spread evenly over mean * (1 +/- spread), in zone order. */
export function zoneMeans(mean: number, zones: number, spread: number): Float64Array {
  const out = new Float64Array(zones)
  for (let z = 0; z < zones; z++)
    out[z] = zones === 1 ? mean : mean * (1 + spread * ((2 * z) / (zones - 1) - 1))
  return out
}

/**
 * A relative-deviation OU path with exact discretisation, one value per tick. It starts from the
 * stationary distribution so the first hours are as volatile as the rest (no burn-in).
 */
export function ouPath(
  ticks: number,
  tickHours: number,
  theta: number,
  sigma: number,
  uniform: () => number
): Float64Array {
  const x = new Float64Array(ticks)
  const decay = Math.exp(-theta * tickHours)
  // theta -> 0 is a random walk: (1 - e^{-2 theta d}) / (2 theta) -> d
  const stepSd = sigma * Math.sqrt(theta > 0 ? (1 - decay * decay) / (2 * theta) : tickHours)
  x[0] = theta > 0 ? (sigma / Math.sqrt(2 * theta)) * standardNormal(uniform) : 0
  for (let k = 1; k < ticks; k++) x[k] = x[k - 1] * decay + stepSd * standardNormal(uniform)
  return x
}

/** Zone price per tick: OU deviation x daily cycle, clamped to [5% of on-demand, on-demand]. */
export function pricePath(
  x: Float64Array,
  zoneMean: number,
  onDemand: number,
  tickSeconds: number,
  amplitude: number,
  phase: number
): Float64Array {
  const prices = new Float64Array(x.length)
  const floor = 0.05 * onDemand
  for (let k = 0; k < x.length; k++) {
    const daily = 1 + amplitude * Math.sin((2 * Math.PI * k * tickSeconds) / 86400 + phase)
    prices[k] = Math.min(onDemand, Math.max(floor, zoneMean * (1 + x[k]) * daily))
  }
  return prices
}

export function sortedZones(zones: readonly string[]): string[] {
  const sorted = [...zones].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i] === sorted[i - 1]) throw new Error(`zone "${sorted[i]}" is listed twice`)
  return sorted
}

export function sortedTypes(types: readonly InstanceTypeSpec[]): InstanceTypeSpec[] {
  if (types.length === 0) throw new Error('the market needs at least one instance type')
  const sorted = [...types].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].name === sorted[i - 1].name)
      throw new Error(`instance type "${sorted[i].name}" is listed twice`)
  return sorted
}

function checkSyntheticConfig(config: SyntheticMarketConfig, horizonSeconds: number): void {
  if (config.zones.length === 0) throw new Error('synthetic market: no zones')
  if (!(config.tickSeconds > 0))
    throw new Error(`synthetic market: tickSeconds must be positive (${config.tickSeconds})`)
  if (!(horizonSeconds >= 0) || !Number.isFinite(horizonSeconds))
    throw new Error(`synthetic market: bad horizon ${horizonSeconds} s`)
  if (!(config.reversionPerHour >= 0) || !(config.volatility >= 0))
    throw new Error('synthetic market: reversion and volatility must be >= 0')
  if (!(config.outageMeanSeconds >= 0))
    throw new Error('synthetic market: outageMeanSeconds must be >= 0')
}

/**
 * Seeded synthetic spot market: per (type, zone) an OU relative price around the zone mean with a
 * daily cycle, unlimited capacity, and hazard-driven reclaims. All draws come from `uniform`, in a fixed
 * order: zone phases (sorted zones), then each (type, zone) path (sorted types, then zones).
 */
export function createSyntheticMarket(
  config: SyntheticMarketConfig,
  types: InstanceTypeSpec[],
  horizonSeconds: number,
  uniform: () => number
): RunMarket {
  checkSyntheticConfig(config, horizonSeconds)
  const zones = sortedZones(config.zones)
  const instanceTypes = sortedTypes(types)
  const ticks = Math.max(1, Math.ceil(horizonSeconds / config.tickSeconds))
  const tickHours = config.tickSeconds / 3600
  // Each zone gets its own phase of the daily cycle (zones may sit in different time zones).
  const phases = zones.map(() => 2 * Math.PI * uniform())
  const means = instanceTypes.map((t) =>
    zoneMeans(t.meanSpotPrice, zones.length, config.zoneSpread)
  )
  const prices: StepSeries[][] = instanceTypes.map((type, ti) =>
    zones.map((_, zi) => {
      const x = ouPath(ticks, tickHours, config.reversionPerHour, config.volatility, uniform)
      return stepSeries(
        pricePath(
          x,
          means[ti][zi],
          type.onDemandPrice,
          config.tickSeconds,
          config.dailyAmplitude,
          phases[zi]
        ),
        config.tickSeconds
      )
    })
  )
  const hazards =
    config.hazard.kind === 'price-linked' ? hazardSeries(config.hazard, prices, means) : undefined
  const unlimited = { times: Float64Array.of(0), capacity: Float64Array.of(Infinity) }
  const fixedRate = config.hazard.kind === 'fixed' ? config.hazard.perHour / 3600 : 0

  return {
    zones,
    instanceTypes,
    horizonSeconds,
    spotPrice: (ti, zi, t) => valueAt(prices[ti][zi], t),
    spotCost: (ti, zi, t0, t1) => integral(prices[ti][zi], t0, t1),
    // The engine opens outages after reclaims (drawOutageSeconds); the market itself never runs dry.
    capacitySteps: () => ({ times: unlimited.times.slice(), capacity: unlimited.capacity.slice() }),
    drawReclaimTime: (ti, zi, from, u) => {
      if (!hazards) return from + exponential(u, fixedRate)
      return reclaimFromHazard(hazards[ti][zi], from, horizonSeconds, u)
    },
    drawOutageSeconds: (_zi, u) =>
      config.outageMeanSeconds > 0 ? exponential(u, 1 / config.outageMeanSeconds) : 0
  }
}

/** rate(t) = base * (price(t) / zone mean) ^ elasticity per tick, per hour. */
function hazardSeries(
  hazard: { basePerHour: number; elasticity: number },
  prices: StepSeries[][],
  means: Float64Array[]
): StepSeries[][] {
  return prices.map((row, ti) =>
    row.map((series, zi) => {
      const mean = means[ti][zi]
      const rates = series.values.map((p) =>
        mean > 0 ? hazard.basePerHour * Math.pow(p / mean, hazard.elasticity) : hazard.basePerHour
      )
      return stepSeries(rates, series.stepSeconds)
    })
  )
}

/**
 * Inverse-transform draw for a piecewise-constant hazard: with E ~ Exp(1), the reclaim is the first t
 * where the integrated hazard since `from` reaches E. Infinity past the horizon.
 */
function reclaimFromHazard(
  hazard: StepSeries,
  from: number,
  horizonSeconds: number,
  uniform: () => number
): number {
  const e = exponential(uniform, 1)
  if (from >= horizonSeconds) return Infinity
  const t = timeToReach(hazard, integralTo(hazard, from) + e)
  return t <= horizonSeconds ? Math.max(t, from) : Infinity
}
