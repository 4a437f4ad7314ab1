import { describe, expect, it } from 'vitest'
import { METRIC_NAMES } from '@shared/simulation'
import { METRIC_INFO, clampedInterval, formatMetric, metricLabel } from './metrics'

describe('what-if metric labels and intervals', () => {
  it('names every metric in words with its unit', () => {
    for (const name of METRIC_NAMES) expect(METRIC_INFO[name].label).not.toMatch(/_/)
    expect(metricLabel('total_cost')).toBe('Total cost ($)')
    expect(metricLabel('spot_work_hours')).toBe('Work done on spot (h)')
    expect(metricLabel('preemptions')).toBe('Preemptions')
  })

  it('clamps intervals to the possible values', () => {
    expect(clampedInterval('launch_failures', { mean: 0.035, ci95: [-0.03, 0.1] })).toEqual([
      0, 0.1
    ])
    expect(clampedInterval('savings_pct', { mean: 70, ci95: [35, 105] })).toEqual([35, 100])
    expect(clampedInterval('deadline_met_pct', { mean: 98, ci95: [92, 104] })).toEqual([92, 100])
    // savings can be negative (costlier than on-demand): no lower clamp
    expect(clampedInterval('savings_pct', { mean: -5, ci95: [-20, 10] })).toEqual([-20, 10])
    expect(formatMetric('launch_failures', { mean: 0.035, ci95: [-0.03, 0.1] })).toBe(
      '0.04 [0, 0.1]'
    )
    expect(formatMetric('savings_pct', null)).toBe('—')
  })
})
