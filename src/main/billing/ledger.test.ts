import { describe, expect, it } from 'vitest'
import { billOfLife, livedSeconds, spanCost, type PriceStep } from './bill'
import {
  closingRows,
  costByBucket,
  costByDay,
  rowCost,
  rowSeconds,
  runningRows,
  type AccrualContext,
  type LedgerRow
} from './ledger'

const HOUR = 3_600_000
const T0 = Date.UTC(2025, 0, 1, 22, 0, 0)

/** a price path in wall ms: $0.3/h, $0.6/h from T0 + 1 h, $0.45/h from T0 + 2 h */
const path: PriceStep[] = [
  { at: T0 - HOUR, pricePerHour: 0.3 },
  { at: T0 + HOUR, pricePerHour: 0.6 },
  { at: T0 + 2 * HOUR, pricePerHour: 0.45 }
]
const onRealCloud: AccrualContext = {
  prices: (from) => path.filter((p, i) => i === path.length - 1 || path[i + 1].at > from),
  onDemandPricePerHour: 1,
  timeScale: 1
}

const total = (rows: LedgerRow[]) =>
  rows.reduce(
    (sum, r) => ({
      cost: sum.cost + rowCost(r).cost,
      ondemandCost: sum.ondemandCost + rowCost(r).ondemandCost,
      seconds: sum.seconds + rowSeconds(r)
    }),
    { cost: 0, ondemandCost: 0, seconds: 0 }
  )

describe('rows of a running instance', () => {
  it('cuts the span at the price changes', () => {
    const rows = runningRows(T0 + HOUR / 2, T0 + 1.5 * HOUR, onRealCloud)
    expect(rows).toEqual([
      {
        fromMs: T0 + HOUR / 2,
        toMs: T0 + HOUR,
        pricePerHour: 0.3,
        onDemandPricePerHour: 1,
        timeScale: 1
      },
      {
        fromMs: T0 + HOUR,
        toMs: T0 + 1.5 * HOUR,
        pricePerHour: 0.6,
        onDemandPricePerHour: 1,
        timeScale: 1
      }
    ])
    // half an hour at $0.3/h + half an hour at $0.6/h
    expect(total(rows).cost).toBeCloseTo(0.45, 12)
    expect(total(rows).ondemandCost).toBeCloseTo(1, 12)
  })

  it('bills time_scale billed ms per wall ms on a faster simulated clock', () => {
    // 10 wall s at 360x: one billed hour at $0.3/h
    const [row] = runningRows(T0, T0 + 10_000, { ...onRealCloud, timeScale: 360 })
    expect(rowSeconds(row)).toBe(3600)
    expect(rowCost(row).cost).toBeCloseTo(0.3, 12)
  })
})

describe('rows closing an ended life', () => {
  it('tops a life of 20 s up to the minute, inside its own wall span', () => {
    // launched at T0, billed until T0 + 5 s, ended at T0 + 20 s: 40 more seconds are owed
    const rows = closingRows({ launchedMs: T0, endedMs: T0 + 20_000 }, T0 + 5_000, onRealCloud)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ fromMs: T0 + 5_000, toMs: T0 + 20_000, pricePerHour: 0.3 })
    // 15 wall s carry 55 billed seconds
    expect(rowSeconds(rows[0])).toBeCloseTo(55, 9)
    expect(rowCost(rows[0]).cost).toBeCloseTo((55 * 0.3) / 3600, 12)
  })

  it('rounds the last partial second up, priced at the price in force then', () => {
    // lived 7199.4 s, ending 0.4 s before a price change: the 0.6 s owed are 0.4 s at $0.3/h and
    // 0.2 s at $0.6/h, all booked before the end
    const launchedMs = T0 - HOUR + 200
    const endedMs = T0 + HOUR - 400
    const rows = closingRows({ launchedMs, endedMs }, T0, onRealCloud)
    expect(rows.map((r) => r.pricePerHour)).toEqual([0.3, 0.6])
    expect(rows[0].fromMs).toBe(T0)
    expect(rows[0].toMs).toBe(rows[1].fromMs)
    expect(rows[1].toMs).toBe(endedMs)
    const closing = total(rows)
    expect(closing.seconds).toBeCloseTo(3600.2, 9)
    expect(closing.cost).toBeCloseTo((3600 * 0.3 + 0.2 * 0.6) / 3600, 9)
  })

  it('books the owed seconds after the ledger when it already runs to the end', () => {
    const rows = closingRows({ launchedMs: T0, endedMs: T0 + 30_000 }, T0 + 30_000, onRealCloud)
    expect(rows).toEqual([
      {
        fromMs: T0 + 30_000,
        toMs: T0 + 60_000,
        pricePerHour: 0.3,
        onDemandPricePerHour: 1,
        timeScale: 1
      }
    ])
  })

  it('books nothing more when the ledger already holds the whole bill', () => {
    expect(closingRows({ launchedMs: T0, endedMs: T0 + 90_000 }, T0 + 91_000, onRealCloud)).toEqual(
      []
    )
  })

  it('adds up, over any accruals and the close, to the bill of the life', () => {
    // a sandbox at 360x: launched T0 + 7 ms, accrued at uneven instants, ended at T0 + 25 s 1/3 ms
    const sandbox = { ...onRealCloud, timeScale: 360 }
    const sandboxPath: PriceStep[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => ({
      at: T0 + k * 2500,
      pricePerHour: 0.3 + 0.05 * ((k * 7) % 5)
    }))
    const context = { ...sandbox, prices: () => sandboxPath }
    const launchedMs = T0 + 7
    const endedMs = T0 + 25_000 + 1 / 3
    const rows: LedgerRow[] = []
    let from = launchedMs
    for (const at of [T0 + 1000, T0 + 1999, T0 + 2600, T0 + 9000, T0 + 24_000]) {
      rows.push(...runningRows(from, at, context))
      from = at
    }
    rows.push(...closingRows({ launchedMs, endedMs }, from, context))
    // the same life billed in simulated seconds since T0
    const sim = (ms: number) => ((ms - T0) * 360) / 1000
    const steps = sandboxPath.map((p) => ({ at: sim(p.at), pricePerHour: p.pricePerHour }))
    const bill = billOfLife(
      { start: sim(launchedMs), lived: livedSeconds(launchedMs, endedMs, 360) },
      sim(endedMs),
      1,
      (a, b) => spanCost(steps, a, b)
    )
    // epoch ms with fractions carry ~1e-4 ms each: equal to a millionth of a dollar
    expect(total(rows).cost).toBeCloseTo(bill.cost, 6)
    expect(total(rows).ondemandCost).toBeCloseTo(bill.ondemandCost, 6)
    expect(Math.max(...rows.map((r) => r.toMs))).toBe(endedMs)
  })
})

describe('cost by UTC day', () => {
  const booked = (fromMs: number, toMs: number, pricePerHour: number, timeScale = 1) => {
    const row = { fromMs, toMs, pricePerHour, onDemandPricePerHour: 3, timeScale }
    return { fromMs, toMs, timeScale, ...rowCost(row) }
  }

  it('splits a row across midnight by the share of its wall time in each day', () => {
    // 22:00 to 02:00 at $1/h: 2 h on each side of midnight
    const rows = costByDay([booked(T0, T0 + 4 * HOUR, 1)], T0 - HOUR, T0 + 5 * HOUR)
    expect(rows).toEqual([
      { key: '2025-01-01', cost: 2, ondemandCost: 6, instanceHours: 2 },
      { key: '2025-01-02', cost: 2, ondemandCost: 6, instanceHours: 2 }
    ])
  })

  it('clips to the window and counts billed hours on a faster clock', () => {
    // 23:30 to 00:30 wall at 2x, $1/h: the window keeps 23:45 to 00:15, 15 wall min a side
    const rows = costByDay(
      [booked(T0 + 1.5 * HOUR, T0 + 2.5 * HOUR, 1, 2)],
      T0 + 1.75 * HOUR,
      T0 + 2.25 * HOUR
    )
    expect(rows.map((r) => [r.key, r.cost, r.instanceHours])).toEqual([
      ['2025-01-01', 0.5, 0.5],
      ['2025-01-02', 0.5, 0.5]
    ])
  })
})

describe('cost by bucket', () => {
  const booked = (fromMs: number, toMs: number, pricePerHour: number, timeScale = 1) => {
    const row = { fromMs, toMs, pricePerHour, onDemandPricePerHour: 3, timeScale }
    return { fromMs, toMs, timeScale, ...rowCost(row) }
  }

  it('spreads rows over every bucket of the window by wall time, zeros where nothing ran', () => {
    // 1 h at $1/h from the window's second quarter-hour; buckets of 30 min over 2 h
    const rows = costByBucket(
      [booked(T0 + 15 * 60_000, T0 + 75 * 60_000, 1)],
      T0,
      T0 + 2 * HOUR,
      30 * 60_000
    )
    expect(rows.map((r) => [r.at - T0, r.cost, r.ondemandCost])).toEqual([
      [0, 0.25, 0.75],
      [30 * 60_000, 0.5, 1.5],
      [60 * 60_000, 0.25, 0.75],
      [90 * 60_000, 0, 0]
    ])
    const total = rows.reduce((s, r) => s + r.cost, 0)
    expect(total).toBeCloseTo(1, 9)
  })

  it('has a short last bucket and nothing for an empty window', () => {
    expect(costByBucket([], T0, T0 + 50, 20).map((r) => r.at - T0)).toEqual([0, 20, 40])
    expect(costByBucket([], T0, T0, 20)).toEqual([])
  })
})
