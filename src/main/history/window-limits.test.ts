// The window queries stay bounded in rows and work, whatever window they are asked for.
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_EXPORT_TICKS } from '../../shared/api'
import { HOUR, MIN, T0 } from '../../../test/support/history-fixtures'
import { openHistory, type History } from './index'

let history: History | undefined
afterEach(() => history?.close())

describe('window query bounds', () => {
  it('spot prices: at most `limit` points, the newest of the window, in time order', () => {
    history = openHistory(':memory:')
    const points = Array.from({ length: 100 }, (_, i) => ({
      at: T0 + i * MIN,
      region: 'us-east-1',
      zone: i % 2 ? 'us-east-1b' : 'us-east-1a',
      instanceType: 'g5.xlarge',
      price: 1 + i / 100
    }))
    history.recordSpotPrices(points)
    const newest = history.spotPrices(T0, T0 + HOUR * 2, { limit: 10 })
    expect(newest.map((p) => p.at)).toEqual(points.slice(90).map((p) => p.at))
    expect(history.spotPrices(T0, T0 + HOUR * 2)).toHaveLength(100)
    expect(history.spotPrices(T0, T0 + HOUR * 2, { zone: 'us-east-1a', limit: 3 })).toEqual(
      [94, 96, 98].map((i) => points[i])
    )
  })

  it('exportTrace refuses a window of more than MAX_EXPORT_TICKS ticks before any work', () => {
    history = openHistory(':memory:')
    const started = performance.now()
    expect(() => history!.exportTrace(0, Date.UTC(2026, 0, 1))).toThrow(
      new RangeError(
        `the window is ${Math.ceil(Date.UTC(2026, 0, 1) / 300_000)} ticks of 300 s; an export has at most ${MAX_EXPORT_TICKS} (pick a shorter window or a larger gap)`
      )
    )
    expect(() => history!.exportTrace(-1e308, T0)).toThrow(RangeError)
    expect(performance.now() - started).toBeLessThan(500)
    expect(history.exportTrace(T0, T0 + MAX_EXPORT_TICKS * 300_000)).toEqual({})
  })
})
