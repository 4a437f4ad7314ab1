import { describe, expect, it } from 'vitest'
import {
  formatCountdown,
  formatDuration,
  formatMoney,
  formatRate,
  formatUtcTime,
  fromDatetimeLocal,
  toDatetimeLocal
} from './format'

describe('format', () => {
  it('money has two decimals and no negative zero', () => {
    expect(formatMoney(1234.567)).toBe('$1,234.57')
    expect(formatMoney(0.352)).toBe('$0.35')
    expect(formatMoney(-0.001)).toBe('$0.00')
    expect(formatMoney(undefined)).toBe('—')
    expect(formatRate(1.006)).toBe('$1.01/h')
  })

  it('countdown is mm:ss, never negative', () => {
    expect(formatCountdown(125_000)).toBe('02:05')
    expect(formatCountdown(124_001)).toBe('02:05')
    expect(formatCountdown(3_700_000)).toBe('61:40')
    expect(formatCountdown(-5)).toBe('00:00')
  })

  it('durations are compact', () => {
    expect(formatDuration(42)).toBe('42s')
    expect(formatDuration(725)).toBe('12m 05s')
    expect(formatDuration(3725)).toBe('1h 02m')
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe('2d 04h')
  })

  it('datetime-local round-trips in local time; UTC for hover', () => {
    const t = new Date(2025, 2, 4, 14, 5).getTime()
    expect(fromDatetimeLocal(toDatetimeLocal(t))).toBe(t)
    expect(Number.isNaN(fromDatetimeLocal(''))).toBe(true)
    expect(formatUtcTime(Date.UTC(2025, 2, 4, 13, 5, 9))).toBe('2025-03-04 13:05:09 UTC')
  })
})
