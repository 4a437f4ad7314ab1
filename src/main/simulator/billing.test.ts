import { describe, expect, it } from 'vitest'
import type { PolicyName } from '../../shared/simulation'
import { simulateBatch } from './batch'
import { billLife, MINIMUM_BILLED_SECONDS } from './billing'
import { emptyMetrics } from './metrics'
import { createPolicy } from '../policies'
import {
  batchConfig,
  createTestMarket,
  HOUR,
  noRandom,
  taskSet,
  TEST_TYPE,
  TEST_TYPE_4GPU,
  type TestMarketOptions,
  type TestTask
} from '../../../test/support/scripted-market'

// TEST_TYPE: spot $1/h (unless the market says otherwise), on-demand $3/h.

describe('billLife', () => {
  it('bills a spot life per second at the spot price, and its on-demand equivalent as the baseline', () => {
    const m = emptyMetrics()
    billLife(m, createTestMarket(), { typeIndex: 0, zoneIndex: 0, spot: true, start: 0, end: 4500 })
    expect(m.total_cost).toBeCloseTo(1.25, 12)
    expect(m.ondemand_baseline_cost).toBeCloseTo(3.75, 12)
    expect(m.spot_hours).toBeCloseTo(1.25, 12)
    expect(m.ondemand_hours).toBe(0)
  })

  it('bills an on-demand life at the on-demand price', () => {
    const m = emptyMetrics()
    billLife(m, createTestMarket(), {
      typeIndex: 0,
      zoneIndex: 0,
      spot: false,
      start: 600,
      end: 2400
    })
    expect(m.total_cost).toBeCloseTo(1.5, 12)
    expect(m.ondemand_baseline_cost).toBeCloseTo(1.5, 12)
    expect(m.ondemand_hours).toBeCloseTo(0.5, 12)
    expect(m.spot_hours).toBe(0)
  })

  it('uses the price in force each second: a change mid-life gives the exact piecewise sum', () => {
    const market = createTestMarket({ prices: [1], priceChange: { at: HOUR, prices: [2] } })
    const m = emptyMetrics()
    billLife(m, market, { typeIndex: 0, zoneIndex: 0, spot: true, start: 1800, end: 5400 })
    // 1800 s at $1/h + 1800 s at $2/h
    expect(m.total_cost).toBeCloseTo(0.5 + 1.0, 12)
    expect(m.spot_hours).toBeCloseTo(1, 12)
  })

  it('uses the zone and type of the instance', () => {
    const market = createTestMarket({
      zones: ['a', 'b'],
      instanceTypes: [TEST_TYPE, TEST_TYPE_4GPU],
      prices: [
        [1, 1.5],
        [4, 5]
      ]
    })
    const m = emptyMetrics()
    billLife(m, market, { typeIndex: 1, zoneIndex: 1, spot: true, start: 0, end: HOUR })
    expect(m.total_cost).toBeCloseTo(5, 12)
    expect(m.ondemand_baseline_cost).toBeCloseTo(12, 12)
  })

  it('bills at least one minute', () => {
    expect(MINIMUM_BILLED_SECONDS).toBe(60)
    const m = emptyMetrics()
    billLife(m, createTestMarket(), {
      typeIndex: 0,
      zoneIndex: 0,
      spot: false,
      start: 100,
      end: 130
    })
    expect(m.total_cost).toBeCloseTo((60 / 3600) * 3, 12)
    expect(m.ondemand_hours).toBeCloseTo(60 / 3600, 12)
  })

  it('rounds a life up to whole seconds', () => {
    const m = emptyMetrics()
    billLife(m, createTestMarket(), {
      typeIndex: 0,
      zoneIndex: 0,
      spot: true,
      start: 0,
      end: 100.2
    })
    expect(m.spot_hours).toBeCloseTo(101 / 3600, 12)
    expect(m.total_cost).toBeCloseTo(101 / 3600, 12)
  })

  it('bills an instance still alive at the horizon up to the horizon', () => {
    const market = createTestMarket({ horizonSeconds: 2 * HOUR })
    const alive = emptyMetrics()
    billLife(alive, market, { typeIndex: 0, zoneIndex: 0, spot: true, start: 1800, end: NaN })
    expect(alive.total_cost).toBeCloseTo(1.5, 12)
    // an end recorded past the horizon is cut at the horizon too
    const late = emptyMetrics()
    billLife(late, market, { typeIndex: 0, zoneIndex: 0, spot: false, start: 0, end: 3 * HOUR })
    expect(late.ondemand_hours).toBeCloseTo(2, 12)
    expect(late.total_cost).toBeCloseTo(6, 12)
  })

  it('adds each life into the run totals', () => {
    const m = emptyMetrics()
    const market = createTestMarket()
    billLife(m, market, { typeIndex: 0, zoneIndex: 0, spot: true, start: 0, end: HOUR })
    billLife(m, market, { typeIndex: 0, zoneIndex: 0, spot: false, start: 0, end: HOUR })
    expect(m.total_cost).toBeCloseTo(4, 12)
    expect(m.ondemand_baseline_cost).toBeCloseTo(6, 12)
    expect(m.spot_hours).toBeCloseTo(1, 12)
    expect(m.ondemand_hours).toBeCloseTo(1, 12)
  })
})

/** One batch run on the test market: changeover 300 s, idle release 600 s, grace 120 s unless overridden. */
function runBatch(
  tasks: TestTask[],
  market: TestMarketOptions = {},
  policy: PolicyName = 'greedy',
  overrides = {}
) {
  return simulateBatch({
    config: batchConfig(overrides),
    market: createTestMarket(market),
    tasks: taskSet(tasks),
    policy: createPolicy(policy, { fallbackAfterPreemptions: 2 }),
    uniform: noRandom()
  })
}

describe('billing in the batch engine', () => {
  it('bills the whole life: changeover, the task, and idle time until the idle release', () => {
    // launch 0, ready 300, task 300-3900, released idle at 4500: 4500 s at $1/h
    const m = runBatch([{ work: HOUR }])
    expect(m.total_cost).toBeCloseTo(1.25, 9)
    expect(m.spot_hours).toBeCloseTo(1.25, 9)
    expect(m.ondemand_hours).toBe(0)
    expect(m.ondemand_baseline_cost).toBeCloseTo(3.75, 9)
  })

  it('keeps billing an instance idle between tasks when the next task comes before the idle release', () => {
    // task 0 done at 3900; task 1 arrives at 4200 and reuses the instance: 4200-6000; released at 6600
    const m = runBatch([{ work: HOUR }, { work: 1800, arrival: 4200 }])
    expect(m.instances_launched_spot).toBe(1)
    expect(m.completed_tasks).toBe(2)
    expect(m.spot_hours).toBeCloseTo(6600 / 3600, 9)
    expect(m.total_cost).toBeCloseTo(6600 / 3600, 9)
  })

  it('bills a reclaimed instance through the notice until it is terminated at notice + grace', () => {
    // reclaimed at 1800, terminated at 1920; no capacity afterwards
    const m = runBatch([{ work: HOUR, stateGiB: 1000 }], { reclaims: [1800], outages: [Infinity] })
    expect(m.notices).toBe(1)
    expect(m.spot_hours).toBeCloseTo(1920 / 3600, 9)
    expect(m.total_cost).toBeCloseTo(1920 / 3600, 9)
    expect(m.ondemand_baseline_cost).toBeCloseTo((1920 / 3600) * 3, 9)
  })

  it('bills at the price in force each second when the spot price changes mid-life', () => {
    // 0-3600 at $1/h, 3600-4500 at $2/h
    const m = runBatch([{ work: HOUR }], { prices: [1], priceChange: { at: HOUR, prices: [2] } })
    expect(m.total_cost).toBeCloseTo(1 + 0.5, 9)
    expect(m.spot_hours).toBeCloseTo(1.25, 9)
  })

  it('bills the one-minute minimum for an instance reclaimed seconds after launch', () => {
    // reclaimed at 10 s while still booting, grace 20 s: lived 30 s, billed 60 s
    const m = runBatch([{ work: HOUR }], { reclaims: [10], outages: [Infinity] }, 'greedy', {
      graceSeconds: 20
    })
    expect(m.instances_launched_spot).toBe(1)
    expect(m.spot_hours).toBeCloseTo(60 / 3600, 9)
    expect(m.total_cost).toBeCloseTo(60 / 3600, 9)
    expect(m.completed_tasks).toBe(0)
  })

  it('bills an instance alive at the horizon up to the horizon', () => {
    // a 3 h task on a 2 h horizon: billed 0-7200
    const m = runBatch([{ work: 3 * HOUR }], { horizonSeconds: 2 * HOUR })
    expect(m.total_cost).toBeCloseTo(2, 9)
    expect(m.spot_hours).toBeCloseTo(2, 9)
    expect(m.completed_tasks).toBe(0)
    expect(m.unfinished_tasks).toBe(1)
    // worked 300-7200 of its 10800 s
    expect(m.unfinished_work_hours).toBeCloseTo((10800 - 6900) / 3600, 9)
  })

  it('bills on-demand instances at the on-demand price: the baseline equals the cost', () => {
    const m = runBatch([{ work: HOUR }], {}, 'ondemand')
    expect(m.instances_launched_spot).toBe(0)
    expect(m.instances_launched_ondemand).toBe(1)
    expect(m.ondemand_hours).toBeCloseTo(1.25, 9)
    expect(m.spot_hours).toBe(0)
    expect(m.total_cost).toBeCloseTo(3.75, 9)
    expect(m.ondemand_baseline_cost).toBeCloseTo(m.total_cost, 9)
  })
})
