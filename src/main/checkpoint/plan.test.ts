import { describe, expect, it } from 'vitest'
import { DEFAULT_CHECKPOINT, gbpsToGiBps, planCheckpoint } from './plan'

// 1 GiB/s for 100 s moves 100 GiB: with a 100 GiB state the ratio is secondsLeft / 100.
describe('planCheckpoint', () => {
  it('saves everything when the whole state fits through the link', () => {
    expect(planCheckpoint(100, 1, 120)).toEqual({
      decision: 'full',
      savedFraction: 1,
      transferableGiB: 120
    })
  })

  it('is full exactly at the full threshold (80% of the state fits)', () => {
    expect(planCheckpoint(100, 1, 80)).toEqual({
      decision: 'full',
      savedFraction: 1,
      transferableGiB: 80
    })
  })

  it('is partial just below the full threshold and saves the fraction that fits', () => {
    const plan = planCheckpoint(100, 1, 79.9)
    expect(plan.decision).toBe('partial')
    expect(plan.savedFraction).toBeCloseTo(0.799, 12)
    expect(plan.transferableGiB).toBeCloseTo(79.9, 12)
  })

  it('is partial between the thresholds and saves exactly that fraction', () => {
    expect(planCheckpoint(200, 1, 120)).toEqual({
      decision: 'partial',
      savedFraction: 0.6,
      transferableGiB: 120
    })
  })

  it('is partial exactly at the partial threshold (30% fits), saving 30%', () => {
    expect(planCheckpoint(100, 1, 30)).toEqual({
      decision: 'partial',
      savedFraction: 0.3,
      transferableGiB: 30
    })
  })

  it('restarts from the last checkpoint just below the partial threshold', () => {
    expect(planCheckpoint(100, 1, 29.9)).toEqual({
      decision: 'restart',
      savedFraction: 0,
      transferableGiB: 29.9
    })
    expect(planCheckpoint(1000, 1, 120)).toEqual({
      decision: 'restart',
      savedFraction: 0,
      transferableGiB: 120
    })
  })

  it('treats a zero-size state as fully saved, even with no time or bandwidth', () => {
    expect(planCheckpoint(0, 1, 0)).toEqual({
      decision: 'full',
      savedFraction: 1,
      transferableGiB: 0
    })
    expect(planCheckpoint(0, 0, 120).decision).toBe('full')
  })

  it('never lets negative time or bandwidth transfer anything', () => {
    expect(planCheckpoint(100, 1, -5)).toEqual({
      decision: 'restart',
      savedFraction: 0,
      transferableGiB: 0
    })
    expect(planCheckpoint(100, -1, 120)).toEqual({
      decision: 'restart',
      savedFraction: 0,
      transferableGiB: 0
    })
  })

  it('uses the thresholds it is given', () => {
    const strict = { fullThreshold: 1, partialThreshold: 0.5 }
    expect(planCheckpoint(100, 1, 90, strict)).toEqual({
      decision: 'partial',
      savedFraction: 0.9,
      transferableGiB: 90
    })
    expect(planCheckpoint(100, 1, 100, strict).decision).toBe('full')
    expect(planCheckpoint(100, 1, 49, strict).decision).toBe('restart')
  })

  it('defaults to full 0.8 / partial 0.3', () => {
    expect(DEFAULT_CHECKPOINT).toEqual({ fullThreshold: 0.8, partialThreshold: 0.3 })
  })
})

describe('gbpsToGiBps', () => {
  it('converts decimal gigabits to binary gigabytes of payload per second', () => {
    expect(gbpsToGiBps(10)).toBeCloseTo(10e9 / 8 / 1073741824, 15)
    expect(gbpsToGiBps(10)).toBeCloseTo(1.16415, 5)
    expect(gbpsToGiBps((8 * 2 ** 30) / 1e9)).toBe(1)
    expect(gbpsToGiBps(0)).toBe(0)
  })
})
