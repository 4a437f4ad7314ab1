import type { InstanceTypeSpec } from '../../../shared/simulation'
import type { LoadedTrace, TraceZone } from '../traces/types'
import { integral, sortedTypes, stepSeries, valueAt, type StepSeries } from './synthetic'
import type { RunMarket } from './types'

export interface TraceMarketOptions {
  /** capacity of a binary (0/1) trace's zone while available; may be Infinity */
  binaryCapacity: number
  /** spot price for zones whose trace has no prices, $/h; else the type's meanSpotPrice */
  spotPriceFallback?: number
}

/** Ticks of the trace a run of `horizonSeconds` covers: the tick at t = 0 up to the one holding the horizon. */
export function ticksForHorizon(gapSeconds: number, horizonSeconds: number): number {
  // The small slack keeps an exact multiple of a fractional gap (195.346 s) from spilling into one more tick.
  return Math.max(1, Math.ceil(horizonSeconds / gapSeconds - 1e-9))
}

/** Largest start tick from which `horizonSeconds` fits in the trace; -1 when it never fits. */
export function maxOffsetTicks(trace: LoadedTrace, horizonSeconds: number): number {
  const last = trace.ticks - ticksForHorizon(trace.gapSeconds, horizonSeconds)
  return last >= 0 ? last : -1
}

/**
 * A run's market replayed from a trace starting at tick `offsetTicks`: capacity follows the trace (a
 * drop is how a trace reclaims), prices come from the trace when it has them.
 */
export function createTraceMarket(
  trace: LoadedTrace,
  types: InstanceTypeSpec[],
  offsetTicks: number,
  horizonSeconds: number,
  opts: TraceMarketOptions
): RunMarket {
  checkWindow(trace, offsetTicks, horizonSeconds)
  if (!(opts.binaryCapacity >= 0))
    throw new Error(`trace market: binaryCapacity must be >= 0 (${opts.binaryCapacity})`)
  const ticks = ticksForHorizon(trace.gapSeconds, horizonSeconds)
  const zones = sortedTraceZones(trace.zones)
  const instanceTypes = sortedTypes(types)
  const steps = zones.map((z) =>
    capacityStepsOf(z, offsetTicks, ticks, trace.gapSeconds, opts.binaryCapacity)
  )
  const prices: StepSeries[][] = instanceTypes.map((type) =>
    zones.map((z) =>
      zonePriceSeries(z, type, offsetTicks, ticks, trace.gapSeconds, opts.spotPriceFallback)
    )
  )
  return {
    zones: zones.map((z) => z.zone),
    instanceTypes,
    horizonSeconds,
    replay: { tickSeconds: trace.gapSeconds },
    spotPrice: (ti, zi, t) => valueAt(prices[ti][zi], t),
    spotCost: (ti, zi, t0, t1) => integral(prices[ti][zi], t0, t1),
    capacitySteps: (zi) => ({
      times: steps[zi].times.slice(),
      capacity: steps[zi].capacity.slice()
    }),
    // Traces reclaim through capacity drops only; no hazard, no synthetic outage.
    drawReclaimTime: () => Infinity,
    drawOutageSeconds: () => 0
  }
}

function checkWindow(trace: LoadedTrace, offsetTicks: number, horizonSeconds: number): void {
  if (!Number.isInteger(offsetTicks) || offsetTicks < 0)
    throw new Error(`trace market: offset must be a whole number of ticks >= 0 (${offsetTicks})`)
  if (!(horizonSeconds >= 0) || !Number.isFinite(horizonSeconds))
    throw new Error(`trace market: bad horizon ${horizonSeconds} s`)
  const needed = ticksForHorizon(trace.gapSeconds, horizonSeconds)
  if (offsetTicks + needed > trace.ticks) {
    const hours = (horizonSeconds / 3600).toFixed(1)
    const traceHours = ((trace.ticks * trace.gapSeconds) / 3600).toFixed(1)
    throw new Error(
      `trace market: a ${hours} h run needs ${needed} ticks of ${trace.gapSeconds} s from tick ${offsetTicks}, ` +
        `but the trace has ${trace.ticks} ticks (${traceHours} h); largest offset ${maxOffsetTicks(trace, horizonSeconds)}`
    )
  }
}

function sortedTraceZones(zones: readonly TraceZone[]): TraceZone[] {
  const sorted = [...zones].sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0))
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].zone === sorted[i - 1].zone)
      throw new Error(`trace market: zone "${sorted[i].zone}" appears twice`)
  return sorted
}

/** Capacity of ticks [offset, offset + ticks) as steps, merged where the value does not change. */
export function capacityStepsOf(
  zone: TraceZone,
  offsetTicks: number,
  ticks: number,
  gapSeconds: number,
  binaryCapacity: number
): { times: Float64Array; capacity: Float64Array } {
  const times: number[] = []
  const capacity: number[] = []
  for (let k = 0; k < ticks; k++) {
    const raw = zone.capacity[offsetTicks + k]
    const value = zone.binary ? (raw > 0 ? binaryCapacity : 0) : raw
    if (k === 0 || value !== capacity[capacity.length - 1]) {
      times.push(k * gapSeconds)
      capacity.push(value)
    }
  }
  return { times: Float64Array.from(times), capacity: Float64Array.from(capacity) }
}

/** Per-tick trace prices, else the zone's constant price, else the fallback, else the type's mean. */
function zonePriceSeries(
  zone: TraceZone,
  type: InstanceTypeSpec,
  offsetTicks: number,
  ticks: number,
  gapSeconds: number,
  fallback: number | undefined
): StepSeries {
  if (zone.prices)
    return stepSeries(zone.prices.slice(offsetTicks, offsetTicks + ticks), gapSeconds)
  const constant = zone.spotPrice ?? fallback ?? type.meanSpotPrice
  // One value held forever: the series is flat over any horizon.
  return stepSeries(Float64Array.of(constant), gapSeconds)
}
