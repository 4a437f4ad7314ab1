import { describe, expect, it } from 'vitest'
import type { CostSeries } from '@shared/api'
import {
  BASELINE_SERIES_ID,
  BUCKET_SERIES_ID,
  SPEND_SERIES_ID,
  TARGET_BARS,
  bars,
  buildCostOptions,
  cumulative
} from './costs-options'

type Series = { id: string; type: string; data: [number, number][]; yAxisIndex?: number }

const T0 = Date.UTC(2025, 2, 4, 12)
const SERIES: CostSeries = {
  bucketMs: 60_000,
  points: [
    { at: T0, cost: 0.25, ondemandCost: 1 },
    { at: T0 + 60_000, cost: 0.5, ondemandCost: 1.5 },
    { at: T0 + 120_000, cost: 0, ondemandCost: 0 }
  ]
}

describe('buildCostOptions', () => {
  it('draws cumulative spend and the on-demand baseline as lines from 0, over time', () => {
    expect(cumulative(SERIES)).toEqual({
      spend: [
        [T0, 0],
        [T0 + 60_000, 0.25],
        [T0 + 120_000, 0.75],
        [T0 + 180_000, 0.75]
      ],
      baseline: [
        [T0, 0],
        [T0 + 60_000, 1],
        [T0 + 120_000, 2.5],
        [T0 + 180_000, 2.5]
      ]
    })
    const option = buildCostOptions({ series: SERIES })
    const series = option.series as Series[]
    expect(series.map((s) => [s.id, s.type])).toEqual([
      [BUCKET_SERIES_ID, 'bar'],
      [SPEND_SERIES_ID, 'line'],
      [BASELINE_SERIES_ID, 'line']
    ])
    expect(series[0].yAxisIndex).toBe(1)
    expect(option.xAxis).toMatchObject({ type: 'time', min: T0, max: T0 + 180_000 })
  })

  it('merges buckets into about two dozen bars, whatever the span', () => {
    const many: CostSeries = {
      bucketMs: 1000,
      points: Array.from({ length: 120 }, (_, k) => ({
        at: T0 + k * 1000,
        cost: 1,
        ondemandCost: 2
      }))
    }
    const merged = bars(many)
    expect(merged.points.length).toBeLessThanOrEqual(TARGET_BARS)
    expect(merged.spanMs).toBe(5000)
    expect(merged.points[0]).toEqual([T0 + 2500, 5])
    expect(merged.points.reduce((s, [, c]) => s + c, 0)).toBe(120)
  })

  it('reads the axis on the clock it is given, and has its series with no data', () => {
    const option = buildCostOptions({ series: SERIES, formatTime: (ms) => `S${(ms - T0) / 1000}` })
    const axis = option.xAxis as { axisLabel: { formatter: (v: number) => string } }
    expect(axis.axisLabel.formatter(T0 + 60_000)).toBe('S60')
    const empty = buildCostOptions({ series: { bucketMs: 1000, points: [] } }).series as Series[]
    expect(empty.map((s) => s.data)).toEqual([[], [], []])
  })
})
