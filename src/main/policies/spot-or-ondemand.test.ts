import { describe, expect, it } from 'vitest'
import { spotOrOndemand } from './spot-or-ondemand'
import type { DeadlineView } from './types'

const view = (over: Partial<DeadlineView>): DeadlineView => ({
  now: 0,
  progress: 0,
  computeTime: 10 * 3600,
  deadline: 40 * 3600,
  changeover: 600,
  spotAvailable: true,
  current: 'idle',
  safetyNet: false,
  preemptions: 0,
  ...over
})

describe('spot-or-ondemand', () => {
  it('takes spot when it can be had now and on-demand when it cannot, never waiting', () => {
    expect(
      spotOrOndemand.chooseMarket({ preemptions: 5, remainingWork: 100, spotAvailable: true })
    ).toBe('spot')
    expect(
      spotOrOndemand.chooseMarket({ preemptions: 0, remainingWork: 100, spotAvailable: false })
    ).toBe('ondemand')
  })
  it('deadline job: spot when available, on-demand otherwise, and stays on on-demand once there', () => {
    expect(spotOrOndemand.decideDeadline!(view({ spotAvailable: true }))).toBe('spot')
    expect(spotOrOndemand.decideDeadline!(view({ spotAvailable: false }))).toBe('ondemand')
    expect(spotOrOndemand.decideDeadline!(view({ current: 'ondemand', spotAvailable: true }))).toBe(
      'ondemand'
    )
  })
  it('obeys the shared safety net', () => {
    expect(spotOrOndemand.decideDeadline!(view({ now: 29.8 * 3600, spotAvailable: true }))).toBe(
      'ondemand'
    )
  })
})
