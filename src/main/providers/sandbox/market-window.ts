// An endless market built from the simulator's finite RunMarkets: simulated time is cut into windows of
// `horizonSeconds`, and window w gets its own RunMarket (synthetic: a fresh seeded market per window;
// trace: the next offset into the trace, wrapping to the start). So the sandbox never runs off the end
// of its market however long the app stays open. All times here are simulated seconds since the
// sandbox started; negative times are allowed (they give price charts a plausible past).

import type { InstanceTypeSpec, SyntheticMarketConfig } from '../../../shared/simulation'
import { createSyntheticMarket, createTraceMarket, maxOffsetTicks } from '../../simulator/market'
import type { RunMarket } from '../../simulator/market/types'
import type { Random } from '../../../shared/random'
import type { LoadedTrace } from '../../simulator/traces'

export type MarketSource =
  | { kind: 'synthetic'; config: SyntheticMarketConfig; random: Random }
  | { kind: 'trace'; trace: LoadedTrace; binaryCapacity: number }

export interface PriceStep {
  /** simulated second the step starts */
  at: number
  price: number
}

export interface WindowedMarket {
  readonly kind: MarketSource['kind']
  readonly zones: readonly string[]
  readonly instanceTypes: readonly InstanceTypeSpec[]
  /** simulated length of one window */
  readonly windowSeconds: number
  /** simulated length of one price step */
  readonly tickSeconds: number
  spotPrice(ti: number, zi: number, t: number): number
  spotCost(ti: number, zi: number, t0: number, t1: number): number
  /** spot instances the zone holds at t (Infinity: unlimited) */
  capacity(zi: number, t: number): number
  /** the first capacity step strictly after t (a window start counts as a step); Infinity for synthetic */
  nextCapacityStep(zi: number, t: number): number
  /** hazard reclaim time of a spot instance running from `from`; Infinity when none */
  drawReclaimTime(ti: number, zi: number, from: number, uniform: () => number): number
  drawOutageSeconds(zi: number, uniform: () => number): number
  /** the step in force at t0, then every price change in (t0, t1); at most maxSteps ticks are scanned */
  priceSteps(ti: number, zi: number, t0: number, t1: number, maxSteps: number): PriceStep[]
}

interface Window {
  market: RunMarket
  /** capacity steps per zone, read once (RunMarket copies them on every call) */
  steps: { times: Float64Array; capacity: Float64Array }[]
}

/** windows kept in memory; older ones are rebuilt on demand (deterministically) if ever needed again */
const CACHED_WINDOWS = 6

export function createWindowedMarket(
  source: MarketSource,
  types: InstanceTypeSpec[],
  horizonSeconds: number
): WindowedMarket {
  const plan =
    source.kind === 'synthetic'
      ? syntheticPlan(source, types, horizonSeconds)
      : tracePlan(source, types, horizonSeconds)
  const H = plan.windowSeconds
  const cache = new Map<number, Window>()

  function windowAt(w: number): Window {
    const hit = cache.get(w)
    if (hit) return hit
    const market = plan.build(w)
    const win = { market, steps: market.zones.map((_, zi) => market.capacitySteps(zi)) }
    cache.set(w, win)
    // Map keeps insertion order: drop the oldest built window
    if (cache.size > CACHED_WINDOWS) cache.delete(cache.keys().next().value as number)
    return win
  }
  const indexOf = (t: number): number => Math.floor(t / H)
  const first = windowAt(0).market

  function spotPrice(ti: number, zi: number, t: number): number {
    const w = indexOf(t)
    return windowAt(w).market.spotPrice(ti, zi, t - w * H)
  }

  function spotCost(ti: number, zi: number, t0: number, t1: number): number {
    let sum = 0
    for (let w = indexOf(t0); w * H < t1; w++) {
      const a = Math.max(t0, w * H)
      const b = Math.min(t1, (w + 1) * H)
      if (b > a) sum += windowAt(w).market.spotCost(ti, zi, a - w * H, b - w * H)
    }
    return sum
  }

  function capacity(zi: number, t: number): number {
    const w = indexOf(t)
    const { times, capacity: values } = windowAt(w).steps[zi]
    const local = t - w * H
    let i = 0
    while (i + 1 < times.length && times[i + 1] <= local) i++
    return values[i]
  }

  function nextCapacityStep(zi: number, t: number): number {
    if (source.kind === 'synthetic') return Infinity
    // walks forward window by window; robust to rounding at window edges
    for (let w = indexOf(t); ; w++) {
      const { times } = windowAt(w).steps[zi]
      for (let i = 0; i < times.length; i++) if (w * H + times[i] > t) return w * H + times[i]
    }
  }

  function drawReclaimTime(ti: number, zi: number, from: number, uniform: () => number): number {
    const w = indexOf(from)
    return w * H + windowAt(w).market.drawReclaimTime(ti, zi, from - w * H, uniform)
  }

  function priceSteps(
    ti: number,
    zi: number,
    t0: number,
    t1: number,
    maxSteps: number
  ): PriceStep[] {
    const tick = plan.tickSeconds
    const last = Math.max(Math.floor(t0 / tick), Math.ceil(t1 / tick) - 1)
    const k0 = Math.max(Math.floor(t0 / tick), last - maxSteps + 1)
    const out: PriceStep[] = []
    for (let k = k0; k <= last; k++) {
      // read mid-tick so window edges and rounding never pick the neighbouring tick
      const price = spotPrice(ti, zi, (k + 0.5) * tick)
      if (out.length === 0 || out[out.length - 1].price !== price) out.push({ at: k * tick, price })
    }
    return out
  }

  return {
    kind: source.kind,
    zones: first.zones,
    instanceTypes: first.instanceTypes,
    windowSeconds: H,
    tickSeconds: plan.tickSeconds,
    spotPrice,
    spotCost,
    capacity,
    nextCapacityStep,
    drawReclaimTime,
    drawOutageSeconds: (zi, uniform) => first.drawOutageSeconds(zi, uniform),
    priceSteps
  }
}

interface Plan {
  windowSeconds: number
  tickSeconds: number
  build(w: number): RunMarket
}

function syntheticPlan(
  source: Extract<MarketSource, { kind: 'synthetic' }>,
  types: InstanceTypeSpec[],
  horizon: number
): Plan {
  const tick = source.config.tickSeconds
  // whole ticks per window, so every window's price grid lines up with the global one
  const windowSeconds = Math.max(1, Math.ceil(horizon / tick)) * tick
  return {
    windowSeconds,
    tickSeconds: tick,
    build: (w) => {
      // each window has its own stream: window w is the same whatever was asked before it
      const stream = source.random.fork(w)
      return createSyntheticMarket(source.config, types, windowSeconds, () => stream.next())
    }
  }
}

function tracePlan(
  source: Extract<MarketSource, { kind: 'trace' }>,
  types: InstanceTypeSpec[],
  horizon: number
): Plan {
  const { trace } = source
  const gap = trace.gapSeconds
  // whole ticks, and never longer than the trace itself
  const ticks = Math.max(1, Math.min(Math.floor(horizon / gap), trace.ticks))
  const windowSeconds = ticks * gap
  // windows take consecutive slices of the trace: 0, ticks, 2 x ticks, ... while they fit, then wrap
  const slices = Math.floor(maxOffsetTicks(trace, windowSeconds) / ticks) + 1
  return {
    windowSeconds,
    tickSeconds: gap,
    build: (w) => {
      const offset = (((w % slices) + slices) % slices) * ticks
      return createTraceMarket(trace, types, offset, windowSeconds, {
        binaryCapacity: source.binaryCapacity
      })
    }
  }
}
