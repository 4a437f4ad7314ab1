import { describe, expect, it } from 'vitest'
import { cloudSecondsAt, formatCloudSpan, formatCloudTime } from './cloud-time'

const ORIGIN = Date.UTC(2025, 2, 4, 12, 0, 0)

describe('cloud time', () => {
  it('reads a wall instant as sandbox time since the start at the sandbox speed', () => {
    const clock = { origin: ORIGIN, speed: 360 }
    // 10 s of wall time is an hour of sandbox time
    expect(cloudSecondsAt(ORIGIN + 10_000, clock)).toBe(3600)
    expect(formatCloudTime(ORIGIN + 10_000, clock)).toBe('+1h 00m')
    expect(formatCloudTime(ORIGIN + 31_000, clock)).toBe('+3h 06m')
    expect(formatCloudTime(ORIGIN - 10_000, clock)).toBe('−1h 00m')
    expect(formatCloudSpan(31_000, clock)).toBe('3h 06m')
  })

  it('is the local wall time on a real cloud', () => {
    const clock = { origin: ORIGIN, speed: 1 }
    const at = new Date(2025, 2, 4, 14, 5, 9).getTime()
    expect(formatCloudTime(at, clock)).toBe('14:05:09')
    expect(formatCloudTime(at, clock, true)).toBe('2025-03-04 14:05:09')
    expect(formatCloudSpan(90_000, clock)).toBe('1m 30s')
  })
})
