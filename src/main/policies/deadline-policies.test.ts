import { describe, expect, it } from 'vitest'
import { createTimeSliced, sliceAt } from './time-sliced'
import type { DeadlineView } from './types'
import { uniformProgressOracle, worthwhileSpotLife } from './uniform-progress-oracle'

// A 4 h job due at 8 h with a 360 s changeover (ep(t) = t / 2; safety-net line
// R - t <= (C - progress) + 720), on-demand $3/h, spot $1/h.
const C = 4 * 3600
const R = 8 * 3600
const D = 360

function view(fields: Partial<DeadlineView>): DeadlineView {
  return {
    now: 0,
    progress: 0,
    computeTime: C,
    deadline: R,
    changeover: D,
    spotAvailable: false,
    current: 'idle',
    safetyNet: false,
    preemptions: 0,
    running: false,
    onDemandPrice: 3,
    ...fields
  }
}

describe('time-sliced', () => {
  // 4 slices of 2 h, each owing 1 h of progress (cumulative targets 3600, 7200, ...)
  const sliced = createTimeSliced(4)
  const decide = (v: Partial<DeadlineView>) => sliced.decideDeadline!(view(v))

  it('cuts the deadline into n slices with cumulative targets (i + 1) C / n', () => {
    expect(sliceAt(view({ now: 0 }), 4)).toEqual({ index: 0, end: 7200, target: 3600 })
    expect(sliceAt(view({ now: 7199 }), 4).index).toBe(0)
    // a slice starts exactly at its boundary
    expect(sliceAt(view({ now: 7200 }), 4)).toEqual({ index: 1, end: 14400, target: 7200 })
    // the deadline itself still belongs to the last slice
    expect(sliceAt(view({ now: R }), 4).index).toBe(3)
  })

  it('is greedy inside a slice: spot when available, idle otherwise', () => {
    expect(decide({ now: 0, spotAvailable: true })).toBe('spot')
    expect(decide({ now: 0 })).toBe('idle')
    expect(decide({ now: 3239 })).toBe('idle')
  })

  it("goes on-demand once the slice's time left is at most its work left plus one changeover (inclusive)", () => {
    // slice 0 owes 3600 by 7200: the line is at 7200 - 3600 - 360 = 3240
    expect(decide({ now: 3240 })).toBe('ondemand')
    expect(decide({ now: 3240, spotAvailable: true })).toBe('ondemand')
  })

  it('stays on on-demand until the slice target is met, then is greedy again', () => {
    expect(decide({ now: 6000, progress: 3599, current: 'ondemand', spotAvailable: true })).toBe(
      'ondemand'
    )
    expect(decide({ now: 6000, progress: 3600, current: 'ondemand', spotAvailable: true })).toBe(
      'spot'
    )
    expect(decide({ now: 6000, progress: 3600, current: 'ondemand' })).toBe('idle')
  })

  it('carries surplus progress into the next slice', () => {
    // slice 1 (7200-14400, target 7200): 6000 done owes 1200, line at 14400 - 1200 - 360 = 12840
    expect(decide({ now: 12839, progress: 6000 })).toBe('idle')
    expect(decide({ now: 12840, progress: 6000 })).toBe('ondemand')
    // without the surplus (3600 done) the line would have been at 14400 - 3600 - 360 = 10440
    expect(decide({ now: 10440, progress: 3600 })).toBe('ondemand')
    // a slice already paid for by earlier surplus is greedy throughout
    expect(decide({ now: 14000, progress: 7300 })).toBe('idle')
  })

  it('stays on spot past its slice line, and obeys the shared safety net', () => {
    expect(decide({ now: 6000, progress: 100, current: 'spot', spotAvailable: true })).toBe('spot')
    expect(decide({ now: 23680, progress: 10000, current: 'spot', spotAvailable: true })).toBe(
      'ondemand'
    )
  })

  it('wakes up at the slice end, at its slice line when idle, and when on-demand meets the target', () => {
    const wake = sliced.deadlineWakeups!
    expect(wake(view({ now: 0 }))).toEqual([7200, 3240])
    expect(wake(view({ now: 4000, progress: 600, current: 'ondemand', running: true }))).toEqual([
      7200, 7000
    ])
    expect(wake(view({ now: 4000, progress: 3600 }))).toEqual([7200])
  })

  it('needs a whole number of slices >= 1', () => {
    expect(() => createTimeSliced(0)).toThrow(/slices/)
    expect(() => createTimeSliced(2.5)).toThrow(/slices/)
  })
})

describe('uniform-progress-oracle', () => {
  const decide = (v: Partial<DeadlineView>) => uniformProgressOracle.decideDeadline!(view(v))

  it('thresholds: k d / (k - 1) from idle, 2 k d / (k - 1) from on-demand, none when spot is not cheaper', () => {
    // k = 3, d = 360: 540 s and 1080 s
    expect(worthwhileSpotLife(3, 360, 'idle')).toBe(540)
    expect(worthwhileSpotLife(3, 360, 'ondemand')).toBe(1080)
    expect(worthwhileSpotLife(1, 360, 'idle')).toBe(Infinity)
    expect(worthwhileSpotLife(0.5, 360, 'ondemand')).toBe(Infinity)
  })

  it('from idle takes spot only when the coming spot life is longer than the threshold', () => {
    const spot = { spotAvailable: true, spotPrice: 1 }
    expect(decide({ now: 100, progress: 3000, ...spot, spotLifetime: 541 })).toBe('spot')
    // a short life is not worth its changeover: idle when ahead, on-demand when behind ep(t)
    expect(decide({ now: 100, progress: 3000, ...spot, spotLifetime: 540 })).toBe('idle')
    expect(decide({ now: 7200, progress: 0, ...spot, spotLifetime: 540 })).toBe('ondemand')
  })

  it('from on-demand moves only past ep(t + 2d) and when the life beats the doubled threshold', () => {
    // ep(7200 + 720) = 3960
    const od = { current: 'ondemand' as const, running: true, spotAvailable: true, spotPrice: 1 }
    expect(decide({ now: 7200, progress: 3960, ...od, spotLifetime: 1081 })).toBe('spot')
    expect(decide({ now: 7200, progress: 3960, ...od, spotLifetime: 1080 })).toBe('ondemand')
    expect(decide({ now: 7200, progress: 3959, ...od, spotLifetime: 1e6 })).toBe('ondemand')
    // and never from on-demand to idle
    expect(decide({ now: 7200, progress: 14000, ...od, spotAvailable: false })).toBe('ondemand')
  })

  it('never takes spot that is not cheaper than on-demand', () => {
    expect(
      decide({ now: 7200, progress: 0, spotAvailable: true, spotPrice: 3, spotLifetime: 1e9 })
    ).toBe('ondemand')
  })

  it('stays on spot until reclaimed and obeys the safety net', () => {
    const spot = { current: 'spot' as const, spotAvailable: true, spotPrice: 1, spotLifetime: 1 }
    expect(decide({ now: 100, progress: 0, ...spot })).toBe('spot')
    expect(decide({ now: 23680, progress: 10000, ...spot })).toBe('ondemand')
  })

  it('refuses to guess when the market cannot tell the coming spot lifetime', () => {
    expect(() => decide({ now: 100, spotAvailable: true, spotPrice: 1 })).toThrow(/replayed trace/)
  })
})
