import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_INSTANCE_TYPES,
  DEFAULT_SYNTHETIC_MARKET,
  findInstanceType
} from '../../simulator/catalog'
import { createRandom } from '../../../shared/random'
import { loadTrace, type LoadedTrace } from '../../simulator/traces'
import { createWindowedMarket } from './market-window'

const TRACES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../resources/traces')
const HOUR = 3600
const types = [...DEFAULT_INSTANCE_TYPES]

function synthetic(seed: number, horizon = 6 * HOUR) {
  return createWindowedMarket(
    { kind: 'synthetic', config: DEFAULT_SYNTHETIC_MARKET, random: createRandom(seed) },
    types,
    horizon
  )
}

describe('windowed synthetic market', () => {
  it('builds each window from its own stream, whatever order windows are asked in', () => {
    const a = synthetic(3)
    const b = synthetic(3)
    const H = a.windowSeconds
    const forward = [0, 5, -1].map((w) => a.spotPrice(1, 2, w * H + 1000))
    const backward = [-1, 5, 0].map((w) => b.spotPrice(1, 2, w * H + 1000)).reverse()
    expect(forward).toEqual(backward)
    // and windows differ from each other
    expect(new Set(forward).size).toBeGreaterThan(1)
  })

  it('integrates cost across window edges exactly as the sum of the price steps', () => {
    const m = synthetic(5, 2 * HOUR)
    const t0 = 1.5 * HOUR + 17
    const t1 = 7.25 * HOUR
    const steps = m.priceSteps(0, 1, t0, t1, 10_000)
    let expected = 0
    steps.forEach((s, i) => {
      const a = Math.max(s.at, t0)
      const b = i + 1 < steps.length ? steps[i + 1].at : t1
      expected += (s.price * (b - a)) / 3600
    })
    expect(m.spotCost(0, 1, t0, t1)).toBeCloseTo(expected, 10)
    expect(steps[0].at).toBeLessThanOrEqual(t0)
    expect(m.nextCapacityStep(0, 0)).toBe(Infinity)
    expect(m.capacity(0, 10 * HOUR)).toBe(Infinity)
  })

  it('keeps at most maxSteps ticks, the newest', () => {
    const m = synthetic(5)
    const steps = m.priceSteps(0, 0, 0, 100 * HOUR, 10)
    expect(steps.length).toBeLessThanOrEqual(10)
    expect(steps[0].at).toBe(100 * HOUR - 10 * m.tickSeconds)
  })
})

describe('windowed trace market', () => {
  let four: LoadedTrace
  beforeAll(() => {
    four = loadTrace(join(TRACES, 'aws-v100-4node-preemption-2023-08'))
  })

  it('takes consecutive slices of the trace and wraps to its start', () => {
    const gap = four.gapSeconds
    const m = createWindowedMarket(
      { kind: 'trace', trace: four, binaryCapacity: Infinity },
      [findInstanceType('p3.2xlarge')!],
      1000 * gap
    )
    expect(m.windowSeconds).toBe(1000 * gap)
    // 3664 ticks: slices start at ticks 0, 1000 and 2000; window 3 is the first again
    const zi = m.zones.indexOf('us-west-2c')
    const raw = four.zones.find((z) => z.zone === 'us-west-2c')!.capacity
    for (const k of [0, 28, 500, 999]) {
      const t = (k + 0.5) * gap
      expect(m.capacity(zi, t)).toBe(raw[k])
      expect(m.capacity(zi, m.windowSeconds + t)).toBe(raw[1000 + k])
      expect(m.capacity(zi, 3 * m.windowSeconds + t)).toBe(raw[k])
      expect(m.capacity(zi, -m.windowSeconds + t)).toBe(raw[2000 + k])
    }
  })

  it('finds the next capacity step strictly after a time, across a window edge', () => {
    const gap = four.gapSeconds
    const m = createWindowedMarket(
      { kind: 'trace', trace: four, binaryCapacity: Infinity },
      [findInstanceType('p3.2xlarge')!],
      100 * gap
    )
    const zi = m.zones.indexOf('us-west-2c')
    // us-west-2c holds 4 for the first 28 ticks, then drops to 0
    expect(m.nextCapacityStep(zi, 0)).toBe(28 * gap)
    expect(m.nextCapacityStep(zi, 28 * gap)).toBeGreaterThan(28 * gap)
    // the last step of a window is followed by the next window's start
    let t = 0
    while (t < m.windowSeconds) t = m.nextCapacityStep(zi, t)
    expect(t).toBe(m.windowSeconds)
  })
})
