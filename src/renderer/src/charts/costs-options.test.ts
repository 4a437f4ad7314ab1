import { describe, expect, it } from 'vitest'
import { BASELINE_SERIES_ID, SPEND_SERIES_ID, buildCostOptions } from './costs-options'

type Series = { id: string; name: string; type: string; data: number[] }

describe('buildCostOptions', () => {
  it('has a spend and an on-demand baseline series over the days, in day order', () => {
    const option = buildCostOptions({
      rows: [
        { key: '2025-03-05', cost: 4.5, ondemandCost: 12.25, instanceHours: 12 },
        { key: '2025-03-04', cost: 1.234, ondemandCost: 3.5, instanceHours: 3.5 }
      ]
    })
    const series = option.series as Series[]
    expect(series.map((s) => s.id)).toEqual([SPEND_SERIES_ID, BASELINE_SERIES_ID])
    expect(series.map((s) => s.type)).toEqual(['bar', 'bar'])
    expect(series[0].data).toEqual([1.23, 4.5])
    expect(series[1].data).toEqual([3.5, 12.25])
    expect((option.xAxis as { data: string[] }).data).toEqual(['2025-03-04', '2025-03-05'])
  })

  it('still has both series with no rows', () => {
    const series = buildCostOptions({ rows: [] }).series as Series[]
    expect(series.map((s) => s.data)).toEqual([[], []])
  })
})
