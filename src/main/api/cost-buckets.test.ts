import { describe, expect, it } from 'vitest'
import { costBucketMs } from './engine-handlers'

describe('costBucketMs', () => {
  it('picks the smallest round bucket giving at most the asked number of buckets', () => {
    // 26 min of wall time (a week and a half of sandbox time at ×360) in about 120 buckets: 30 s
    expect(costBucketMs(26 * 60_000, 120)).toBe(30_000)
    expect(costBucketMs(24 * 3_600_000, 120)).toBe(1_800_000)
    expect(costBucketMs(30 * 86_400_000, 120)).toBe(21_600_000)
    expect(costBucketMs(5_000, 120)).toBe(1_000)
    // past the largest round step: whole days
    expect(costBucketMs(400 * 7 * 86_400_000, 120)).toBe(24 * 86_400_000)
  })
})
