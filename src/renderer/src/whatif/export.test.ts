import { describe, expect, it } from 'vitest'
import { METRIC_NAMES } from '@shared/simulation'
import { CSV_HEADER, exportFileName, formatSummary, outputToCsv, outputToJson } from './export'
import { sampleOutput } from '../../../../test/support/renderer/simulation-results'

describe('what-if export', () => {
  it('writes one CSV row per policy x metric under the header', () => {
    const out = sampleOutput()
    const lines = outputToCsv(out).trimEnd().split('\n')
    expect(lines[0]).toBe(CSV_HEADER)
    expect(CSV_HEADER).toBe('policy,metric,mean,ci95_low,ci95_high')
    expect(lines).toHaveLength(1 + 2 * METRIC_NAMES.length)
    expect(lines[1]).toBe('greedy,total_cost,170.7,160.25,181.5')
    expect(lines[2]).toBe('greedy,ondemand_baseline_cost,101,99.5,102.5')
    expect(lines[1 + METRIC_NAMES.length]).toBe('ondemand,total_cost,200,198.5,201.5')
  })

  it('leaves cells of undefined metrics empty', () => {
    const out = sampleOutput(['greedy'])
    ;(out.results[0].metrics as Record<string, unknown>).completion_time_p99_hours = null
    out.results[0].metrics.completion_time_mean_hours = { mean: null as never, ci95: null as never }
    const csv = outputToCsv(out)
    expect(csv).toContain('\ngreedy,completion_time_p99_hours,,,\n')
    expect(csv).toContain('\ngreedy,completion_time_mean_hours,,,\n')
    expect(formatSummary(null)).toBe('—')
  })

  it('formats a summary as mean [low, high] and names files safely', () => {
    expect(formatSummary({ mean: 170.7, ci95: [160.254, 181.5] })).toBe('170.7 [160.25, 181.5]')
    expect(exportFileName('My run / 2', 'csv')).toBe('whatif-My-run-2.csv')
    expect(JSON.parse(outputToJson(sampleOutput()))).toEqual(sampleOutput())
  })
})
