import { describe, expect, it } from 'vitest'
import type { InstanceTypeSpec, SyntheticMarketConfig } from '../../../shared/simulation'
import { DEFAULT_INSTANCE_TYPES, DEFAULT_SYNTHETIC_MARKET } from '../catalog'
import { createRandom } from '../../../shared/random'
import {
  createSyntheticMarket,
  ouPath,
  stepSeries,
  timeToReach,
  integralTo,
  zoneMeans
} from './index'
import type { RunMarket } from './types'

const TYPES: InstanceTypeSpec[] = [...DEFAULT_INSTANCE_TYPES]
const DAY = 86400

function market(
  seed: number,
  config: Partial<SyntheticMarketConfig> = {},
  horizon = 7 * DAY,
  types = TYPES
): RunMarket {
  return createSyntheticMarket(
    { ...DEFAULT_SYNTHETIC_MARKET, ...config },
    types,
    horizon,
    createRandom(seed).next
  )
}

function pricesOf(m: RunMarket, ti: number, zi: number, tick: number): number[] {
  const out: number[] = []
  for (let t = 0; t < m.horizonSeconds; t += tick) out.push(m.spotPrice(ti, zi, t))
  return out
}

describe('synthetic market', () => {
  it('sorts zones and instance types', () => {
    const m = market(1, { zones: ['us-east-1c', 'us-east-1a', 'us-east-1b'] }, DAY, [
      TYPES[3],
      TYPES[0],
      TYPES[2],
      TYPES[1]
    ])
    expect(m.zones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c'])
    expect(m.instanceTypes.map((t) => t.name)).toEqual([
      'g5.xlarge',
      'g6e.xlarge',
      'p3.2xlarge',
      'p3.8xlarge'
    ])
  })

  it('is deterministic: the same seed gives identical price paths, another seed does not', () => {
    const a = market(42)
    const b = market(42)
    const c = market(43)
    for (let ti = 0; ti < TYPES.length; ti++) {
      for (let zi = 0; zi < 3; zi++)
        expect(pricesOf(a, ti, zi, 300)).toEqual(pricesOf(b, ti, zi, 300))
    }
    expect(pricesOf(a, 0, 0, 300)).not.toEqual(pricesOf(c, 0, 0, 300))
  })

  it('is piecewise constant per tick and holds the last price beyond the horizon', () => {
    const m = market(3, {}, DAY)
    expect(m.spotPrice(0, 0, 300)).toBe(m.spotPrice(0, 0, 599.9))
    expect(m.spotPrice(0, 0, DAY + 5000)).toBe(m.spotPrice(0, 0, DAY - 1))
  })

  it('keeps prices within [5% of on-demand, on-demand] even when volatile', () => {
    const m = market(7, { volatility: 3, dailyAmplitude: 0.5 }, 3 * DAY)
    let hitFloor = false
    let hitCap = false
    m.instanceTypes.forEach((type, ti) => {
      for (let zi = 0; zi < m.zones.length; zi++) {
        for (const p of pricesOf(m, ti, zi, 300)) {
          expect(p).toBeGreaterThanOrEqual(0.05 * type.onDemandPrice - 1e-12)
          expect(p).toBeLessThanOrEqual(type.onDemandPrice + 1e-12)
          hitFloor ||= p === 0.05 * type.onDemandPrice
          hitCap ||= p === type.onDemandPrice
        }
      }
    })
    expect(hitFloor && hitCap).toBe(true)
  })

  it('spotCost equals a per-second sum and is additive', () => {
    const m = market(11, {}, 2 * DAY)
    const rand = createRandom(99).next
    for (let n = 0; n < 25; n++) {
      const ti = Math.floor(rand() * 4)
      const zi = Math.floor(rand() * 3)
      const a = Math.floor(rand() * 2.2 * DAY) // some intervals run past the horizon
      const c = a + Math.floor(rand() * 20000)
      const b = a + Math.floor(rand() * (c - a))
      let brute = 0
      for (let s = a; s < c; s++) brute += m.spotPrice(ti, zi, s) / 3600
      const cost = m.spotCost(ti, zi, a, c)
      expect(cost).toBeCloseTo(brute, 9)
      expect(m.spotCost(ti, zi, a, b) + m.spotCost(ti, zi, b, c)).toBeCloseTo(cost, 10)
    }
    expect(m.spotCost(0, 0, 500, 500)).toBe(0)
    expect(m.spotCost(0, 0, 100, 250.5)).toBeCloseTo((m.spotPrice(0, 0, 0) * 150.5) / 3600, 12)
  })

  it('spreads zone means evenly and reverts to them over a long horizon', () => {
    expect(Array.from(zoneMeans(1, 3, 0.1))).toEqual([0.9, 1, 1.1])
    expect(Array.from(zoneMeans(2, 1, 0.1))).toEqual([2])
    const m = market(5, { dailyAmplitude: 0 }, 200 * DAY)
    const p3 = m.instanceTypes.findIndex((t) => t.name === 'p3.2xlarge')
    const expected = zoneMeans(0.918, 3, 0.1)
    for (let zi = 0; zi < 3; zi++) {
      const prices = pricesOf(m, p3, zi, 300)
      const mean = prices.reduce((s, p) => s + p, 0) / prices.length
      expect(Math.abs(mean / expected[zi] - 1)).toBeLessThan(0.03)
    }
  })

  it('OU path has the stationary spread sigma / sqrt(2 theta)', () => {
    const x = ouPath(100_000, 300 / 3600, 0.5, 0.15, createRandom(8).next)
    let sum = 0
    let sq = 0
    for (const v of x) {
      sum += v
      sq += v * v
    }
    const mean = sum / x.length
    expect(Math.abs(mean)).toBeLessThan(0.02)
    expect(Math.sqrt(sq / x.length - mean * mean)).toBeCloseTo(0.15, 1)
  })

  it('fixed hazard: mean reclaim delay is about 1 / rate', () => {
    const m = market(13, { hazard: { kind: 'fixed', perHour: 0.05 } })
    const u = createRandom(14).next
    let sum = 0
    const n = 4000
    for (let i = 0; i < n; i++) sum += m.drawReclaimTime(0, 0, 1000, u) - 1000
    expect(sum / n / 3600).toBeGreaterThan(20 * 0.93)
    expect(sum / n / 3600).toBeLessThan(20 * 1.07)
    expect(market(13, { hazard: { kind: 'fixed', perHour: 0 } }).drawReclaimTime(0, 0, 5, u)).toBe(
      Infinity
    )
  })

  it('price-linked hazard: reclaim is where the integrated rate reaches the Exp(1) draw', () => {
    const hazard = { kind: 'price-linked' as const, basePerHour: 0.5, elasticity: 2 }
    const m = market(21, { hazard, volatility: 0.4 }, 3 * DAY)
    const p3 = 2
    const mean = zoneMeans(0.918, 3, 0.1)[1]
    // Replay the draw: the same uniform gives E = -ln(1 - u).
    const seq = createRandom(22)
    const replay = createRandom(22).next
    for (let i = 0; i < 20; i++) {
      const from = 1234 + i * 3000
      const t = m.drawReclaimTime(p3, 1, from, seq.next)
      const e = -Math.log(1 - replay())
      if (t === Infinity) continue
      let acc = 0
      for (let s = from; s < Math.floor(t); s++)
        acc += (hazard.basePerHour * Math.pow(m.spotPrice(p3, 1, s) / mean, 2)) / 3600
      acc +=
        ((t - Math.floor(t)) *
          hazard.basePerHour *
          Math.pow(m.spotPrice(p3, 1, Math.floor(t)) / mean, 2)) /
        3600
      expect(acc).toBeCloseTo(e, 6)
    }
  })

  it('price-linked hazard: while the price is high, higher elasticity reclaims earlier; dear moments reclaim sooner', () => {
    const base = { volatility: 0.5, dailyAmplitude: 0 }
    const withHazard = (basePerHour: number, elasticity: number) =>
      market(31, { ...base, hazard: { kind: 'price-linked', basePerHour, elasticity } }, 30 * DAY)
    const meanDelay = (m: RunMarket, from: number, seed: number) => {
      const u = createRandom(seed).next
      let sum = 0
      for (let i = 0; i < 1500; i++)
        sum += Math.min(m.drawReclaimTime(0, 0, from, u), m.horizonSeconds) - from
      return sum / 1500
    }
    // Same seed, so every variant has the same price path (the hazard draws nothing at build time).
    const ticks = pricesOf(withHazard(1, 0), 0, 0, 300)
      .map((p, k) => ({ p, t: k * 300 }))
      .slice(0, 8000)
    ticks.sort((a, b) => a.p - b.p)
    const cheap = ticks[0].t
    const dear = ticks[ticks.length - 1].t
    const zoneMean = zoneMeans(0.352, 3, 0.1)[0]
    expect(ticks[ticks.length - 1].p).toBeGreaterThan(1.5 * zoneMean)

    // from a dear moment: elasticity 0 waits ~1 h, elasticity 2 and 4 much less, in that order
    const e0 = meanDelay(withHazard(1, 0), dear, 33)
    const e2 = meanDelay(withHazard(1, 2), dear, 33)
    const e4 = meanDelay(withHazard(1, 4), dear, 33)
    expect(e0 / 3600).toBeGreaterThan(0.9)
    expect(e2).toBeLessThan(0.6 * e0)
    expect(e4).toBeLessThan(0.6 * e2)

    // with a fast hazard the price barely moves before the reclaim: dear moments reclaim sooner
    const fast = withHazard(6, 3)
    expect(meanDelay(fast, dear, 34)).toBeLessThan(0.5 * meanDelay(fast, cheap, 34))
  })

  it('price-linked hazard returns Infinity past the horizon', () => {
    const m = market(
      41,
      { hazard: { kind: 'price-linked', basePerHour: 0.001, elasticity: 1 } },
      3600
    )
    const u = createRandom(42).next
    expect(m.drawReclaimTime(0, 0, 3600, u)).toBe(Infinity)
    let infinite = 0
    for (let i = 0; i < 200; i++) if (m.drawReclaimTime(0, 0, 0, u) === Infinity) infinite++
    expect(infinite).toBeGreaterThan(190)
  })

  it('capacity is unlimited from 0 and outages are exponential with the configured mean', () => {
    const m = market(51)
    const steps = m.capacitySteps(1)
    expect(Array.from(steps.times)).toEqual([0])
    expect(Array.from(steps.capacity)).toEqual([Infinity])
    const u = createRandom(52).next
    let sum = 0
    for (let i = 0; i < 4000; i++) sum += m.drawOutageSeconds(0, u)
    expect(sum / 4000 / 1800).toBeGreaterThan(0.93)
    expect(sum / 4000 / 1800).toBeLessThan(1.07)
    expect(market(51, { outageMeanSeconds: 0 }).drawOutageSeconds(0, u)).toBe(0)
  })

  it('timeToReach inverts integralTo, including beyond the grid', () => {
    const s = stepSeries(Float64Array.from([2, 0, 4]), 3600)
    for (const t of [0, 1800, 3600, 7200, 9000, 10800, 20000]) {
      if (t > 3600 && t <= 7200) continue // flat segment: the first time is its start
      expect(timeToReach(s, integralTo(s, t))).toBeCloseTo(t, 9)
    }
    expect(timeToReach(s, integralTo(s, 5000))).toBe(3600)
    expect(timeToReach(stepSeries(Float64Array.of(0), 60), 1)).toBe(Infinity)
  })

  it('rejects a config it cannot run', () => {
    expect(() => market(1, { zones: [] })).toThrow(/no zones/)
    expect(() => market(1, { tickSeconds: 0 })).toThrow(/tickSeconds/)
    expect(() => market(1, { zones: ['a', 'a'] })).toThrow(/twice/)
  })
})
