import { describe, expect, it } from 'vitest'
import {
  MINIMUM_BILLED_SECONDS,
  billOfLife,
  billedEnd,
  billedSecondsOfEndedLife,
  costAt,
  livedSeconds,
  pricedSpans,
  savingsPct,
  spanCost
} from './bill'

describe('billed seconds of a life', () => {
  it('bills an ended life at least one minute', () => {
    expect(MINIMUM_BILLED_SECONDS).toBe(60)
    expect(billedSecondsOfEndedLife(0)).toBe(60)
    expect(billedSecondsOfEndedLife(36)).toBe(60)
    expect(billedSecondsOfEndedLife(60)).toBe(60)
  })

  it('rounds a partial second up, and leaves whole seconds alone', () => {
    expect(billedSecondsOfEndedLife(100.2)).toBe(101)
    expect(billedSecondsOfEndedLife(100.0001)).toBe(101)
    expect(billedSecondsOfEndedLife(120)).toBe(120)
  })

  it('measures a life from wall ms at a rate, to the billed millisecond', () => {
    // 100 wall ms on a cloud billing 360 s per wall s: 36 billed seconds
    expect(livedSeconds(1_000, 1_100, 360)).toBe(36)
    // epoch-sized ms carry float noise: 1/3 s of wall time at 360x is 120 s, not 120.00000001
    const launched = 1_740_873_540_000
    const ended = launched + 1000 / 3
    expect((ended - launched) * 0.36).not.toBe(120)
    expect(livedSeconds(launched, ended, 360)).toBe(120)
    expect(billedSecondsOfEndedLife(livedSeconds(launched, ended, 360))).toBe(120)
    expect(livedSeconds(0, 1500)).toBe(1.5)
  })

  it('bills an ended life its billed seconds from its start, even past now', () => {
    expect(billedEnd({ start: 100, lived: 30 }, 130)).toBe(160)
    expect(billedEnd({ start: 100, lived: 3599.5 }, 10_000)).toBe(3700)
  })

  it('bills a running life up to now, never before its start', () => {
    expect(billedEnd({ start: 100 }, 130)).toBe(130)
    expect(billedEnd({ start: 100 }, 100.25)).toBe(100.25) // no minimum, no rounding while it runs
    expect(billedEnd({ start: 100 }, 50)).toBe(100)
  })
})

describe('the price in force', () => {
  // $1/h until 3600, $2/h until 5400, then $0.5/h
  const steps = [
    { at: 0, pricePerHour: 1 },
    { at: 3600, pricePerHour: 2 },
    { at: 5400, pricePerHour: 0.5 }
  ]

  it('costs seconds at an hourly price', () => {
    expect(costAt(3.6, 1)).toBeCloseTo(0.001, 15)
    expect(costAt(1.006, 1800)).toBeCloseTo(0.503, 15)
  })

  it('cuts a span where the price changes', () => {
    expect(pricedSpans(steps, 1800, 7200)).toEqual([
      { from: 1800, to: 3600, pricePerHour: 1 },
      { from: 3600, to: 5400, pricePerHour: 2 },
      { from: 5400, to: 7200, pricePerHour: 0.5 }
    ])
    expect(pricedSpans(steps, 4000, 5000)).toEqual([{ from: 4000, to: 5000, pricePerHour: 2 }])
    expect(pricedSpans(steps, 5000, 5000)).toEqual([])
  })

  it('prices a span mid-change exactly: the piecewise sum', () => {
    // 1800 s at $1/h + 1800 s at $2/h + 1800 s at $0.5/h = 0.5 + 1 + 0.25
    expect(spanCost(steps, 1800, 7200)).toBeCloseTo(1.75, 12)
  })

  it('holds the first price before its step and the last one after it', () => {
    const late = [
      { at: 100, pricePerHour: 3.6 },
      { at: 200, pricePerHour: 7.2 }
    ]
    expect(pricedSpans(late, 50, 300)).toEqual([
      { from: 50, to: 200, pricePerHour: 3.6 },
      { from: 200, to: 300, pricePerHour: 7.2 }
    ])
    expect(spanCost(late, 50, 300)).toBeCloseTo(0.15 + 0.2, 12)
  })

  it('skips repeated steps at the same instant', () => {
    const repeated = [
      { at: 0, pricePerHour: 1 },
      { at: 10, pricePerHour: 2 },
      { at: 10, pricePerHour: 3 }
    ]
    expect(pricedSpans(repeated, 0, 20)).toEqual([
      { from: 0, to: 10, pricePerHour: 1 },
      { from: 10, to: 20, pricePerHour: 3 }
    ])
  })

  it('refuses to price a span with no price at all', () => {
    expect(() => pricedSpans([], 0, 10)).toThrow(/no price/)
  })
})

describe('the bill of a life', () => {
  const spot = [
    { at: 0, pricePerHour: 0.4 },
    { at: 1800, pricePerHour: 0.8 }
  ]
  const spotCost = (a: number, b: number) => spanCost(spot, a, b)

  it('bills a spot life at the spot path, against its on-demand baseline', () => {
    // ended after 3600 s: 1800 s at $0.4/h + 1800 s at $0.8/h; on demand $1.2/h for the hour
    expect(billOfLife({ start: 0, lived: 3600 }, 9999, 1.2, spotCost)).toEqual({
      start: 0,
      end: 3600,
      cost: expect.closeTo(0.6, 12),
      ondemandCost: expect.closeTo(1.2, 12)
    })
  })

  it('bills the minimum of a short spot life at the prices of the minute it is billed for', () => {
    // lived 10 s from 1770: billed 1770-1830, 30 s at $0.4/h and 30 s at $0.8/h
    const bill = billOfLife({ start: 1770, lived: 10 }, 1780, 1.2, spotCost)
    expect(bill.end).toBe(1830)
    expect(bill.cost).toBeCloseTo((30 * 0.4 + 30 * 0.8) / 3600, 12)
    expect(bill.ondemandCost).toBeCloseTo((60 * 1.2) / 3600, 12)
  })

  it('bills an on-demand life at its baseline', () => {
    const bill = billOfLife({ start: 600 }, 2400, 3)
    expect(bill).toEqual({ start: 600, end: 2400, cost: 1.5, ondemandCost: 1.5 })
  })
})

describe('savings', () => {
  it('is the share saved against on demand', () => {
    expect(savingsPct(0.3, 1)).toBeCloseTo(70, 12)
    expect(savingsPct(1, 1)).toBe(0)
    expect(savingsPct(0, 0)).toBe(0)
  })
})
