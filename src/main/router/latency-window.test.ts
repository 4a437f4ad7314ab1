import { describe, expect, it } from 'vitest'
import { LatencyWindow, nearestRank } from './latency-window'

describe('LatencyWindow', () => {
  it('has no quantiles before the first sample', () => {
    expect(new LatencyWindow(8).quantiles([0.5, 0.99])).toEqual([null, null])
  })

  it('gives nearest-rank p50 and p99', () => {
    const window = new LatencyWindow(100)
    for (let ms = 100; ms >= 1; ms--) window.record(ms)
    expect(window.quantiles([0.5, 0.99, 1, 0])).toEqual([50, 99, 100, 1])
  })

  it('keeps only the last `capacity` samples', () => {
    const window = new LatencyWindow(4)
    for (const ms of [1000, 1000, 1000, 1000, 1, 2, 3, 4]) window.record(ms)
    expect(window.size).toBe(4)
    expect(window.quantiles([0.5, 0.99])).toEqual([2, 4])
  })

  it('ignores values that are not latencies and rejects a bad capacity', () => {
    const window = new LatencyWindow(4)
    for (const ms of [NaN, -1, Infinity]) window.record(ms)
    expect(window.size).toBe(0)
    expect(() => new LatencyWindow(0)).toThrow(RangeError)
    expect(() => new LatencyWindow(1.5)).toThrow(RangeError)
  })

  it('nearestRank stays inside the array', () => {
    expect(nearestRank(0.5, 1)).toBe(0)
    expect(nearestRank(0.99, 1000)).toBe(989)
    expect(nearestRank(2, 10)).toBe(9)
    expect(nearestRank(-1, 10)).toBe(0)
  })
})
