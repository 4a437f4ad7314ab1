import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openHistory } from './history'
import { HOUR, MIN, T0, instance } from '../../../test/support/history-fixtures'
import type { History } from './types'

// Ledger (hand-computed below):
//   a spot g5.xlarge us-east-1a, od $1/h: T0..T0+2h at $0.30 (two accruals, one row), T0+2h..3h at $0.60
//   b on-demand g5.2xlarge us-east-1b, od $2/h: T0+23h..T0+25h at $2 (crosses UTC midnight)
//   c spot g5.xlarge us-east-1b, od $1/h: T0+1h..T0+1.5h at $0.40
describe('billing ledger and cost queries', () => {
  let h: History
  beforeEach(() => {
    h = openHistory(':memory:')
    h.upsertInstance(instance('a'))
    h.upsertInstance(
      instance('b', {
        market: 'ondemand',
        instanceType: 'g5.2xlarge',
        zone: 'us-east-1b',
        onDemandPricePerHour: 2
      })
    )
    h.upsertInstance(instance('c', { zone: 'us-east-1b' }))
    h.accrue('a', T0, T0 + HOUR, 0.3, 1)
    h.accrue('a', T0 + HOUR, T0 + 2 * HOUR, 0.3, 1)
    h.accrue('a', T0 + 2 * HOUR, T0 + 3 * HOUR, 0.6, 1)
    h.accrue('b', T0 + 23 * HOUR, T0 + 25 * HOUR, 2, 2)
    h.accrue('c', T0 + HOUR, T0 + 90 * MIN, 0.4, 1)
  })
  afterEach(() => h.close())

  const all = [T0, T0 + 48 * HOUR] as const
  const close = (
    rows: { key: string; cost: number; ondemandCost: number; instanceHours: number }[]
  ) => rows.map((r) => [r.key, round(r.cost), round(r.ondemandCost), round(r.instanceHours)])

  it('keeps one ledger row per price segment', () => {
    expect(h.stats().billingRows).toBe(4)
  })

  it('groups by instance', () => {
    expect(close(h.costBy('instance', ...all))).toEqual([
      ['a', 1.2, 3, 3],
      ['b', 4, 4, 2],
      ['c', 0.2, 0.5, 0.5]
    ])
  })

  it('groups by type and by zone', () => {
    expect(close(h.costBy('type', ...all))).toEqual([
      ['g5.2xlarge', 4, 4, 2],
      ['g5.xlarge', 1.4, 3.5, 3.5]
    ])
    expect(close(h.costBy('zone', ...all))).toEqual([
      ['us-east-1a', 1.2, 3, 3],
      ['us-east-1b', 4.2, 4.5, 2.5]
    ])
  })

  it('groups by UTC day, splitting a segment across midnight', () => {
    expect(close(h.costBy('day', ...all))).toEqual([
      ['2025-01-01', 3.4, 5.5, 4.5],
      ['2025-01-02', 2, 2, 1]
    ])
  })

  it('spreads spend over time buckets that add up to the window total', () => {
    const series = h.costSeries(T0, T0 + 4 * HOUR, HOUR)
    // hour 0: a at 0.30; hour 1: a 0.30 + c 0.20; hour 2: a at 0.60; hour 3: nothing
    expect(series.map((p) => [p.at - T0, round(p.cost), round(p.ondemandCost)])).toEqual([
      [0, 0.3, 1],
      [HOUR, 0.5, 1.5],
      [2 * HOUR, 0.6, 1],
      [3 * HOUR, 0, 0]
    ])
    const total = series.reduce((s, p) => s + p.cost, 0)
    expect(total).toBeCloseTo(h.savings(T0, T0 + 4 * HOUR).cost, 9)
  })

  it('clips segments to the window', () => {
    const from = T0 + 30 * MIN
    const to = T0 + 150 * MIN
    // a: 1.5h at 0.30 + 0.5h at 0.60 = 0.75 (od 2.0); c: whole, 0.2 (od 0.5); b: outside
    expect(close(h.costBy('instance', from, to))).toEqual([
      ['a', 0.75, 2, 2],
      ['c', 0.2, 0.5, 0.5]
    ])
    expect(roundAll(h.savings(from, to))).toEqual({ cost: 0.95, ondemandCost: 2.5, savingsPct: 62 })
  })

  it('computes savings against on-demand for the same instance-hours', () => {
    // cost 1.2 + 4 + 0.2 = 5.4; on-demand 3 + 4 + 0.5 = 7.5; 1 - 5.4/7.5 = 28%
    expect(roundAll(h.savings(...all))).toEqual({ cost: 5.4, ondemandCost: 7.5, savingsPct: 28 })
    expect(h.savings(T0 - 10 * HOUR, T0)).toEqual({ cost: 0, ondemandCost: 0, savingsPct: 0 })
  })

  it('refuses to bill the same time twice, and bad prices', () => {
    expect(() => h.accrue('a', T0 + 150 * MIN, T0 + 4 * HOUR, 0.6, 1)).toThrow(/bill twice/)
    expect(() => h.accrue('a', T0 + 4 * HOUR, T0 + 5 * HOUR, -1, 1)).toThrow(/>= 0/)
    expect(() => h.accrue('a', T0 + 4 * HOUR, T0 + 3 * HOUR, 1, 1)).toThrow(/before it starts/)
    expect(() => h.accrue('a', NaN, T0, 1, 1)).toThrow(/finite/)
  })
})

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v as number)])) as T
}

describe('billing a simulated cloud whose clock runs faster', () => {
  it('bills time_scale hours per wall hour at the real hourly price, in every query', () => {
    const h = openHistory(':memory:')
    h.upsertInstance(instance('s', { pricePerHour: 0.3 }))
    // one wall minute of a sandbox running 360x: six billed hours
    h.accrue('s', T0, T0 + MIN, 0.3, 1, 360)
    h.accrue('s', T0 + MIN, T0 + 2 * MIN, 0.3, 1, 360)
    const window = [T0, T0 + HOUR] as const
    expect(h.stats().billingRows).toBe(1)
    const [row] = h.costBy('instance', ...window)
    expect(row.cost).toBeCloseTo(0.3 * 12, 9)
    expect(row.ondemandCost).toBeCloseTo(12, 9)
    expect(row.instanceHours).toBeCloseTo(12, 9)
    expect(h.costBy('day', ...window)[0].cost).toBeCloseTo(3.6, 9)
    expect(h.savings(...window).savingsPct).toBeCloseTo(70, 9)
    // the price in force stays the real $/h
    h.recordEvent({
      at: T0,
      kind: 'launch',
      instanceId: 's',
      data: { instance: instance('s', { pricePerHour: 0.3 }) }
    })
    expect(h.fleetAt(T0 + MIN).find((i) => i.id === 's')?.pricePerHour).toBe(0.3)
    expect(() => h.accrue('s', T0 + 2 * MIN, T0 + 3 * MIN, 0.3, 1, 0)).toThrow(/timeScale/)
    h.close()
  })
})
