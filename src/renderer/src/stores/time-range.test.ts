import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useStatusStore } from './status'
import { FIT_LOOKBACK_MS, fitWindow, presetWindow, useTimeRangeStore } from './time-range'
import { STATUS } from '../../../../test/support/renderer/fake-client'

const NOW = Date.UTC(2025, 2, 4, 12)
const HOUR = 3_600_000

describe('time range', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('counts presets in cloud time: six sandbox hours are a minute of wall time at ×360', () => {
    expect(presetWindow('6h', NOW, 360)).toEqual({ from: NOW - 60_000, to: NOW, fit: false })
    expect(presetWindow('6h', NOW, 1)).toEqual({ from: NOW - 6 * HOUR, to: NOW, fit: false })
    expect(presetWindow('fit', NOW, 360)).toEqual({
      from: NOW - FIT_LOOKBACK_MS,
      to: NOW,
      fit: true
    })
  })

  it('fits a window to its data, with a little room before the first point', () => {
    expect(fitWindow([NOW - 100_000, NOW - 50_000], NOW)).toEqual({
      from: NOW - 103_000,
      to: NOW,
      fit: true
    })
    expect(fitWindow([], NOW)).toEqual({ from: NOW - 1_000, to: NOW, fit: true })
  })

  it('is one choice for every view, a custom range included', () => {
    const status = useStatusStore()
    status.setStatus({ ...STATUS, now: NOW, speed: 360 }, NOW)
    const range = useTimeRangeStore()
    expect(range.choice).toBe('fit')
    range.pick('1h')
    expect(useTimeRangeStore().window(NOW)).toEqual({ from: NOW - 10_000, to: NOW, fit: false })
    range.pickCustom(NOW - HOUR, NOW)
    expect(useTimeRangeStore().window(NOW)).toEqual({ from: NOW - HOUR, to: NOW, fit: false })
    expect(() => range.pickCustom(NOW, NOW)).toThrow('the end must be after the start')
    expect(range.version).toBe(2)
    expect(range.clock).toEqual({ origin: STATUS.startedAt, speed: 360 })
  })
})
