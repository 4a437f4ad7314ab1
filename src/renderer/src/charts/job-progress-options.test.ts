import { describe, expect, it } from 'vitest'
import type { JobView } from '@shared/api'
import {
  EXPECTED_SERIES_ID,
  PROGRESS_SERIES_ID,
  SAFETY_NET_SERIES_ID,
  buildJobProgressOptions,
  safetyNetLine
} from './job-progress-options'

type Series = {
  id: string
  type: string
  data: [number, number][]
  markLine?: { data: { xAxis: number; name: string }[] }
}

const JOB: JobView = {
  progressHours: 2,
  workHours: 6,
  expectedProgressHours: 2,
  elapsedHours: 3,
  deadlineHours: 9,
  checkpointedHours: 1.5,
  checkpoints: 3,
  preemptions: 1,
  safetyNet: false,
  decision: 'spot',
  reason: 'ahead of uniform progress',
  trail: [
    [0, 0],
    [0.2, 0],
    [1.9, 1.7],
    [1.9, 1.5],
    [2.7, 1.5],
    [3, 1.8]
  ]
}

describe('buildJobProgressOptions', () => {
  it('draws the trail, ep(t) from (0, 0) to (R, C), the safety net and marks the deadline and now', () => {
    const option = buildJobProgressOptions({ job: JOB, changeoverHours: 0.2 })
    const series = option.series as Series[]
    expect(series.map((s) => s.id)).toEqual([
      PROGRESS_SERIES_ID,
      EXPECTED_SERIES_ID,
      SAFETY_NET_SERIES_ID
    ])
    expect(series[0].data).toEqual(JOB.trail)
    expect(series[1].data).toEqual([
      [0, 0],
      [9, 6]
    ])
    // C + 2d − (R − t) = 0 at t = 9 − 6 − 0.4 = 2.6, = C at t = 8.6
    expect(series[2].data).toEqual([
      [2.6, 0],
      [8.6, 6]
    ])
    expect(series[0].markLine!.data.map((m) => [m.name, m.xAxis])).toEqual([
      ['deadline', 9],
      ['now', 3]
    ])
    expect((option.yAxis as { max: number }).max).toBe(6)
  })

  it('starts the safety net above zero when the deadline leaves less slack than the work', () => {
    expect(safetyNetLine({ ...JOB, workHours: 6, deadlineHours: 6.2 }, 0.2)).toEqual([
      [0, 0.2],
      [5.8, 6]
    ])
    expect(safetyNetLine({ ...JOB, workHours: 1, deadlineHours: 0.3 }, 0.2)).toEqual([])
  })

  it('marks the finish instead of now once the job is done', () => {
    const option = buildJobProgressOptions({
      job: { ...JOB, finishedHours: 7.5, elapsedHours: 8 },
      changeoverHours: 0
    })
    const marks = (option.series as Series[])[0].markLine!.data
    expect(marks.map((m) => m.name)).toEqual(['deadline', 'done'])
  })
})
