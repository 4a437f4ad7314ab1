import { describe, expect, it } from 'vitest'
import { manualClock } from '../../../test/support/manual-clock'
import { RateWindow } from './rate-window'

describe('RateWindow', () => {
  it('divides by the window once it is full, and forgets what left it', async () => {
    const clock = manualClock(1_000_000)
    const rate = new RateWindow(clock, 10)
    for (let second = 0; second < 20; second++) {
      rate.record(5)
      await clock.advance(1000)
    }
    // the last 10 whole seconds held 5 events each; the current (new) second holds none
    expect(rate.perSecond()).toBeCloseTo(4.5)
    await clock.advance(60_000)
    expect(rate.perSecond()).toBe(0)
  })

  it('divides a young window by its age, not its length', async () => {
    const clock = manualClock(0)
    const rate = new RateWindow(clock, 60)
    for (let i = 0; i < 20; i++) rate.record()
    await clock.advance(2000)
    expect(rate.perSecond()).toBeCloseTo(10)
    // never divides by less than a second
    const fresh = new RateWindow(clock, 60)
    fresh.record(3)
    expect(fresh.perSecond()).toBe(3)
  })

  it('reuses a bucket for a later second instead of adding to it', async () => {
    const clock = manualClock(0)
    const rate = new RateWindow(clock, 2)
    rate.record(100)
    await clock.advance(2000) // same slot, two seconds later
    rate.record(1)
    expect(rate.perSecond()).toBeCloseTo(0.5)
  })
})
