import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import type { InstanceTypeSpec } from '../../../shared/simulation'
import { DEFAULT_INSTANCE_TYPES, findInstanceType } from '../catalog'
import { createRandom } from '../../../shared/random'
import { loadTrace, type LoadedTrace } from '../traces'
import { createTraceMarket, maxOffsetTicks, ticksForHorizon } from './index'
import type { RunMarket } from './types'

const TRACES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../resources/traces')
const HOUR = 3600
const P3 = findInstanceType('p3.2xlarge')!

/** Capacity at time t from a zone's steps. */
function capacityAt(m: RunMarket, zi: number, t: number): number {
  const { times, capacity } = m.capacitySteps(zi)
  let i = 0
  while (i + 1 < times.length && times[i + 1] <= t) i++
  return capacity[i]
}

describe('trace market', () => {
  let four: LoadedTrace
  let probes: LoadedTrace
  let gcp: LoadedTrace
  beforeAll(() => {
    four = loadTrace(join(TRACES, 'aws-v100-4node-preemption-2023-08'))
    probes = loadTrace(join(TRACES, 'aws-v100-1node-2023-02'))
    gcp = loadTrace(join(TRACES, 'gcp-h100-16node-2025-10'))
  })

  it('capacity steps of a count trace match the raw trace from the offset, merged', () => {
    const offset = 1000
    const horizon = 48 * HOUR
    const m = createTraceMarket(four, [P3], offset, horizon, { binaryCapacity: 1 })
    expect(m.zones).toEqual(['us-east-1f', 'us-east-2a', 'us-west-2c'])
    const ticks = ticksForHorizon(300, horizon)
    expect(ticks).toBe(576)
    m.zones.forEach((name, zi) => {
      const raw = four.zones.find((z) => z.zone === name)!.capacity
      const { times, capacity } = m.capacitySteps(zi)
      expect(times[0]).toBe(0)
      for (let i = 1; i < times.length; i++) {
        expect(capacity[i]).not.toBe(capacity[i - 1])
        expect(times[i] % 300).toBe(0)
      }
      for (let k = 0; k < ticks; k++) expect(capacityAt(m, zi, k * 300 + 150)).toBe(raw[offset + k])
    })
  })

  it('binary probes map 1 to binaryCapacity (Infinity allowed) and 0 to 0', () => {
    const offset = 5000
    const unlimited = createTraceMarket(probes, [P3], offset, 24 * HOUR, {
      binaryCapacity: Infinity
    })
    const two = createTraceMarket(probes, [P3], offset, 24 * HOUR, { binaryCapacity: 2 })
    const zi = unlimited.zones.indexOf('us-east-1c')
    const raw = probes.zones.find((z) => z.zone === 'us-east-1c')!.capacity
    const gap = probes.gapSeconds
    for (let k = 0; k < ticksForHorizon(gap, 24 * HOUR); k++) {
      const t = (k + 0.5) * gap
      expect(capacityAt(unlimited, zi, t)).toBe(raw[offset + k] ? Infinity : 0)
      expect(capacityAt(two, zi, t)).toBe(raw[offset + k] ? 2 : 0)
    }
  })

  it('prices follow the per-tick trace prices and spotCost integrates them exactly', () => {
    const offset = 123
    const m = createTraceMarket(probes, [P3], offset, 12 * HOUR, { binaryCapacity: 1 })
    const zi = m.zones.indexOf('us-east-1a')
    const prices = probes.zones.find((z) => z.zone === 'us-east-1a')!.prices!
    const gap = probes.gapSeconds
    expect(m.spotPrice(0, zi, 0)).toBe(prices[offset])
    expect(m.spotPrice(0, zi, 10.5 * gap)).toBe(prices[offset + 10])
    const u = createRandom(3).next
    for (let n = 0; n < 10; n++) {
      const a = Math.floor(u() * 12 * HOUR)
      const b = a + Math.floor(u() * 4 * HOUR)
      let brute = 0
      for (let s = a; s < b; s++) brute += m.spotPrice(0, zi, s) / 3600
      // per-second sampling is exact except where a fractional tick boundary splits a second
      expect(Math.abs(m.spotCost(0, zi, a, b) - brute)).toBeLessThan(0.002)
      const mid = a + (b - a) / 3
      expect(m.spotCost(0, zi, a, mid) + m.spotCost(0, zi, mid, b)).toBeCloseTo(
        m.spotCost(0, zi, a, b),
        10
      )
    }
  })

  it('GCP zones price an a3-highgpu-1g per GPU', () => {
    const a3 = gcp.instanceType!
    const m = createTraceMarket(gcp, [a3], 0, 24 * HOUR, { binaryCapacity: 16 })
    const zi = m.zones.indexOf('us-central1-a')
    expect(m.spotPrice(0, zi, 5000)).toBeCloseTo(18.979008 / 8, 9)
    expect(m.spotCost(0, zi, 0, 2 * HOUR)).toBeCloseTo((2 * 18.979008) / 8, 9)
    expect(m.spotPrice(0, m.zones.indexOf('asia-south2-b'), 0)).toBeCloseTo(69.910115776 / 8, 9)
  })

  it('without trace prices: the fallback, else the type mean', () => {
    const types: InstanceTypeSpec[] = [...DEFAULT_INSTANCE_TYPES]
    const m = createTraceMarket(four, types, 0, 10 * HOUR, { binaryCapacity: 1 })
    m.instanceTypes.forEach((t, ti) => {
      expect(m.spotPrice(ti, 0, 100)).toBe(t.meanSpotPrice)
      expect(m.spotCost(ti, 0, 0, 10 * HOUR)).toBeCloseTo(10 * t.meanSpotPrice, 10)
    })
    const f = createTraceMarket(four, [P3], 0, 10 * HOUR, {
      binaryCapacity: 1,
      spotPriceFallback: 1.25
    })
    expect(f.spotPrice(0, 2, 20 * HOUR)).toBe(1.25)
  })

  it('reclaims only through capacity: no hazard, no outage, no draws', () => {
    const m = createTraceMarket(four, [P3], 0, HOUR, { binaryCapacity: 1 })
    const u = () => {
      throw new Error('no draws expected')
    }
    expect(m.drawReclaimTime(0, 0, 100, u)).toBe(Infinity)
    expect(m.drawOutageSeconds(0, u)).toBe(0)
  })

  it('maxOffsetTicks and the horizon overflow error', () => {
    const horizon = 24 * HOUR
    const max = maxOffsetTicks(four, horizon)
    expect(max).toBe(3664 - 288)
    expect(() => createTraceMarket(four, [P3], max, horizon, { binaryCapacity: 1 })).not.toThrow()
    expect(() => createTraceMarket(four, [P3], max + 1, horizon, { binaryCapacity: 1 })).toThrow(
      /needs 288 ticks .* from tick 3377.*3664 ticks/
    )
    expect(maxOffsetTicks(four, 3664 * 300)).toBe(0)
    expect(maxOffsetTicks(four, 3664 * 300 + 1)).toBe(-1)
    expect(maxOffsetTicks(gcp, 30 * 24 * HOUR)).toBe(-1)
    expect(() => createTraceMarket(four, [P3], 2.5, horizon, { binaryCapacity: 1 })).toThrow(
      /whole number/
    )
    // a horizon of exact whole ticks of a fractional gap does not need one more tick
    expect(ticksForHorizon(probes.gapSeconds, 100 * probes.gapSeconds)).toBe(100)
  })
})
