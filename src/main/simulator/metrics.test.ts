import { describe, expect, it } from 'vitest'
import { METRIC_NAMES } from '../../shared/simulation'
import { emptyMetrics, percentile, round6, summarise, summariseRuns, tQuantile95 } from './metrics'

describe('summarise', () => {
  it('gives a single run a zero-width interval [x, x]', () => {
    expect(summarise([4.25])).toEqual({ mean: 4.25, ci95: [4.25, 4.25] })
  })

  it('gives the Student-t 95% interval of a small sample: [1, 2, 3] -> 2 +/- 4.303 / sqrt(3)', () => {
    // mean 2, sample sd 1, t(2 df) = 4.303, half-width 4.303 / sqrt(3) = 2.4843383, rounded to 6 decimals
    expect(summarise([1, 2, 3])).toEqual({ mean: 2, ci95: [-0.484338, 4.484338] })
  })

  it('gives two runs [10, 12] the interval 11 +/- 12.706 (sd sqrt 2, standard error 1)', () => {
    expect(summarise([10, 12])).toEqual({ mean: 11, ci95: [-1.706, 23.706] })
  })

  it('gives identical runs a zero-width interval', () => {
    expect(summarise([3, 3, 3, 3])).toEqual({ mean: 3, ci95: [3, 3] })
  })

  it('leaves out undefined (NaN) runs and is NaN when none is left', () => {
    expect(summarise([NaN, 5, NaN])).toEqual({ mean: 5, ci95: [5, 5] })
    const none = summarise([NaN, NaN])
    expect(none.mean).toBeNaN()
    expect(none.ci95[0]).toBeNaN()
    expect(summarise([]).mean).toBeNaN()
    // NaN serialises as null, so the JSON output stays valid
    expect(JSON.parse(JSON.stringify(none))).toEqual({ mean: null, ci95: [null, null] })
  })

  it('rounds to 6 decimals', () => {
    expect(summarise([1 / 3]).mean).toBe(0.333333)
    expect(round6(2.0000004)).toBe(2)
    expect(round6(NaN)).toBeNaN()
  })
})

describe('tQuantile95', () => {
  it('is the two-sided 95% Student t quantile, close to 1.96 for many degrees of freedom', () => {
    expect(tQuantile95(1)).toBe(12.706)
    expect(tQuantile95(4)).toBe(2.776)
    expect(tQuantile95(30)).toBe(2.042)
    // true values: t(60) = 2.000, t(120) = 1.980
    expect(tQuantile95(60)).toBeCloseTo(2.0, 2)
    expect(tQuantile95(120)).toBeCloseTo(1.98, 2)
    expect(tQuantile95(0)).toBeNaN()
  })
})

describe('percentile', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

  it('is nearest-rank on an ascending array', () => {
    expect(percentile(ten, 0.5)).toBe(5)
    expect(percentile(ten, 0.99)).toBe(10)
    expect(percentile(ten, 0.1)).toBe(1)
    expect(percentile(ten, 0.11)).toBe(2)
    expect(percentile(ten, 1)).toBe(10)
    expect(percentile(ten, 0)).toBe(1)
  })

  it('of one value is that value, of none NaN', () => {
    expect(percentile([7], 0.5)).toBe(7)
    expect(percentile([7], 0.99)).toBe(7)
    expect(percentile([], 0.5)).toBeNaN()
  })
})

describe('run metrics', () => {
  it('start at zero for every metric name, the service-only ones undefined (null in JSON)', () => {
    const m = emptyMetrics()
    expect(Object.keys(m).sort()).toEqual([...METRIC_NAMES].sort())
    for (const name of METRIC_NAMES)
      if (name === 'availability_pct' || name === 'cost_pct_of_ondemand') expect(m[name]).toBeNaN()
      else expect(m[name]).toBe(0)
  })

  it('are summarised per metric over runs', () => {
    const a = emptyMetrics()
    const b = emptyMetrics()
    a.total_cost = 10
    b.total_cost = 12
    a.completed_tasks = 5
    b.completed_tasks = 5
    const s = summariseRuns([a, b])
    expect(Object.keys(s).sort()).toEqual([...METRIC_NAMES].sort())
    expect(s.total_cost).toEqual({ mean: 11, ci95: [-1.706, 23.706] })
    expect(s.completed_tasks).toEqual({ mean: 5, ci95: [5, 5] })
  })
})
