import { describe, expect, it } from 'vitest'
import { freshJobState, jobTimes, networkGbps, progressOf } from './job'
import type { JobSpec } from './types'

describe('job state helpers', () => {
  it('counts progress only past the changeover of the current instance', () => {
    const s = { ...freshJobState(), checkpointed: 100, base: 100, runStart: 1000 }
    expect(progressOf(s, 900)).toBe(100)
    expect(progressOf(s, 1500)).toBe(600)
    expect(progressOf({ ...s, runStart: undefined }, 1500)).toBe(100)
  })

  it('reads C, R, d and the checkpoint period in seconds; an absolute deadline from submission', () => {
    const spec = {
      workHours: 6,
      deadline: '2026-12-01T09:00:00Z',
      changeoverHours: 0.2,
      checkpoint: { dir: '/ckpt', stateGiB: 20, everyMinutes: 30 }
    } as JobSpec
    expect(jobTimes(spec, Date.parse('2026-12-01T00:00:00Z'))).toEqual({
      C: 6 * 3600,
      R: 9 * 3600,
      d: 720,
      every: 1800
    })
  })

  it("reads a link's speed from the cloud's wording", () => {
    expect(networkGbps('Up to 10 Gigabit')).toBe(10)
    expect(networkGbps('25 Gigabit')).toBe(25)
    expect(networkGbps('Moderate')).toBeUndefined()
  })
})
