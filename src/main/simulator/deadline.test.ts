import { describe, expect, it } from 'vitest'
import type { PolicyName, SimulationTimelineEvent } from '../../shared/simulation'
import { MIN_SWITCH_INTERVAL_SECONDS, simulateDeadline } from './deadline'
import { createPolicy, type Policy } from '../policies'
import {
  createTestMarket,
  deadlineConfig,
  HOUR,
  noRandom,
  type TestMarketOptions
} from '../../../test/support/scripted-market'
import { flappingPolicy } from '../../../test/support/flapping-policy'

// A 4 h job (C = 14400 s) due at 8 h (R = 28800 s), changeover d = 360 s, grace 120 s; spot $1/h,
// on-demand $3/h. ep(t) = t / 2. Safety-net line: R - t <= (C - progress) + 720.
//
// The engine wakes a policy at the instant a rule crosses, and again 2 ms later for the strict
// comparisons (progress < ep) to flip, so times below are hand-computed to within a few ms and
// instances billed per whole second may carry one extra second.

function run(
  market: TestMarketOptions,
  policy: PolicyName | Policy,
  job: [number, number] = [4, 8],
  changeover = 360,
  stats?: { events: number }
) {
  const timeline: SimulationTimelineEvent[] = []
  const metrics = simulateDeadline({
    config: deadlineConfig(job[0], job[1], changeover),
    market: createTestMarket({ horizonSeconds: job[1] * HOUR, ...market }),
    policy:
      typeof policy === 'string'
        ? createPolicy(policy, { fallbackAfterPreemptions: 2, timeSlices: 4 })
        : policy,
    uniform: noRandom(),
    timeline,
    stats
  })
  const launches = timeline
    .filter((e) => e.kind === 'launch')
    .map((e) => ({ t: e.t, market: e.market }))
  const finish = metrics.completion_time_mean_hours * 3600
  return { metrics, launches, finish, timeline }
}

/** Spot in zone a for the first 2 h, none for 2 h, then back from 4 h on. */
const WINDOWS: TestMarketOptions = {
  capacity: [
    [
      [0, 1],
      [2 * HOUR, 0],
      [4 * HOUR, 1]
    ]
  ]
}
/** Spot for the first 2 h, then none until 7 h: too late to be of use. */
const LATE_RETURN: TestMarketOptions = {
  capacity: [
    [
      [0, 1],
      [2 * HOUR, 0],
      [7 * HOUR, 1]
    ]
  ]
}

describe('deadline job: on-demand', () => {
  it('runs on-demand from the start: changeover, compute, done at C + d, never spot', () => {
    const { metrics, launches, finish } = run(WINDOWS, 'ondemand')
    expect(launches).toEqual([{ t: 0, market: 'ondemand' }])
    expect(finish).toBeCloseTo(14760, 6)
    expect(metrics.deadline_met_pct).toBe(100)
    expect(metrics.spot_hours).toBe(0)
    expect(metrics.ondemand_hours).toBeCloseTo(4.1, 9)
    expect(metrics.total_cost).toBeCloseTo(12.3, 9)
  })
})

describe('deadline job: greedy', () => {
  it('runs on spot, idles while there is none, and resumes on spot when it returns', () => {
    // spot 0-7200 (progress 6840, billed to 7320 through the notice); idle; spot from 14400, ready
    // 14760, 7560 s left: done at 22320
    const { metrics, launches, finish } = run(WINDOWS, 'greedy')
    expect(launches).toEqual([
      { t: 0, market: 'spot' },
      { t: 4 * HOUR, market: 'spot' }
    ])
    expect(metrics.preemptions).toBe(1)
    expect(metrics.notices).toBe(1)
    expect(finish).toBeCloseTo(22320, 6)
    expect(metrics.deadline_met_pct).toBe(100)
    expect(metrics.ondemand_hours).toBe(0)
    expect(metrics.spot_hours).toBeCloseTo((7320 + 7920) / 3600, 9)
    expect(metrics.total_cost).toBeCloseTo((7320 + 7920) / 3600, 9)
  })

  it('obeys the safety net: on-demand at R - (C - progress) - 2d and stays there when spot returns', () => {
    // idle from 7200 with 6840 done; line at 28800 - 7560 - 720 = 20520; ready 20880, done 28440
    const { metrics, launches, finish } = run(LATE_RETURN, 'greedy')
    expect(launches).toEqual([
      { t: 0, market: 'spot' },
      { t: 20520, market: 'ondemand' }
    ])
    expect(finish).toBeCloseTo(28440, 6)
    expect(metrics.deadline_met_pct).toBe(100)
    expect(metrics.ondemand_hours).toBeCloseTo(7920 / 3600, 9)
    expect(metrics.total_cost).toBeCloseTo(7320 / 3600 + (7920 / 3600) * 3, 9)
  })
})

describe('deadline job: uniform progress', () => {
  it('goes on-demand when it falls behind ep(t), then back to spot past ep(t + 2d)', () => {
    // spot 0-7200: 6840 done (ahead of ep = 3600), idle. Behind from ep(t) = 6840, t = 13680:
    // on-demand, ready 14040. Spot is back at 14400 but the hysteresis keeps on-demand until
    // progress 6840 + (t - 14040) = ep(t + 720): t = 15120, progress 7920. Spot from 15120,
    // ready 15480, 6480 s left: done at 21960.
    const { metrics, launches, finish } = run(WINDOWS, 'uniform-progress')
    expect(launches.map((l) => l.market)).toEqual(['spot', 'ondemand', 'spot'])
    expect(launches[1].t).toBeCloseTo(13680, 1)
    expect(launches[2].t).toBeCloseTo(15120, 1)
    expect(finish).toBeCloseTo(21960, 1)
    expect(metrics.deadline_met_pct).toBe(100)
    expect(metrics.preemptions).toBe(1)
    expect(metrics.instances_launched_ondemand).toBe(1)
    expect(metrics.instances_launched_spot).toBe(2)
    // on-demand 1440 s; spot 7320 s (through the notice) + 6840 s
    expect(metrics.ondemand_hours).toBeCloseTo(0.4, 3)
    expect(metrics.spot_hours).toBeCloseTo((7320 + 6840) / 3600, 3)
    expect(metrics.total_cost).toBeCloseTo((7320 + 6840) / 3600 + 0.4 * 3, 2)
  })

  it('finishes earlier than greedy in the same market by paying for some on-demand', () => {
    const up = run(WINDOWS, 'uniform-progress')
    const gr = run(WINDOWS, 'greedy')
    expect(up.finish).toBeLessThan(gr.finish)
    expect(up.metrics.total_cost).toBeGreaterThan(gr.metrics.total_cost)
    expect(up.metrics.total_cost).toBeLessThan(run(WINDOWS, 'ondemand').metrics.total_cost)
  })

  it('with no spot at all, starts on-demand at once and stays there: no dearer than on-demand plus one changeover', () => {
    // behind ep(t) for any t > 0: on-demand at ~0 (2 ms), ready 360, and on on-demand it waits for
    // spot, which never comes: done at ~14760. (Before the fix it idled at ep(t + 2d), t = 1440,
    // and paid a changeover on every on/off cycle.)
    const NONE: TestMarketOptions = { capacity: [[[0, 0]]] }
    const { launches, timeline, metrics, finish } = run(NONE, 'uniform-progress')
    expect(launches).toHaveLength(1)
    expect(launches[0].market).toBe('ondemand')
    expect(launches[0].t).toBeCloseTo(0, 1)
    expect(timeline.find((e) => e.kind === 'release')!.t).toBeCloseTo(14760, 1)
    expect(finish).toBeCloseTo(14760, 1)
    expect(metrics.deadline_met_pct).toBe(100)
    const od = run(NONE, 'ondemand').metrics.total_cost
    expect(metrics.total_cost).toBeLessThanOrEqual(od + (360 / 3600) * 3 + 1e-9)
    // the same holds for longer and tighter jobs (the issue measured +8% to +132% before the fix)
    for (const [C, R] of [
      [48, 60],
      [12, 60],
      [2, 8]
    ] as const) {
      const up = run({ ...NONE, horizonSeconds: R * HOUR }, 'uniform-progress', [C, R]).metrics
      const base = run({ ...NONE, horizonSeconds: R * HOUR }, 'ondemand', [C, R]).metrics
      expect(up.total_cost).toBeLessThanOrEqual(base.total_cost + (360 / 3600) * 3 + 1e-9)
      expect(up.instances_launched_ondemand).toBe(1)
    }
  })

  it('never lets the job miss a feasible deadline when spot vanishes late', () => {
    const { metrics, finish } = run(LATE_RETURN, 'uniform-progress')
    expect(metrics.deadline_met_pct).toBe(100)
    expect(finish).toBeLessThanOrEqual(28800)
    expect(metrics.unfinished_work_hours).toBe(0)
  })
})

describe('deadline job: fallback', () => {
  it('goes on-demand for good after two preemptions', () => {
    // unlimited spot, each spot instance reclaimed 3600 s after launch: spot 0 (3240 done), spot 3600
    // (6480 done), on-demand from 7200: ready 7560, 7920 s left, done at 15480
    const { metrics, launches, finish } = run(
      { reclaims: [{ after: HOUR }, { after: HOUR }, { after: HOUR }] },
      'fallback'
    )
    expect(launches).toEqual([
      { t: 0, market: 'spot' },
      { t: 3600, market: 'spot' },
      { t: 7200, market: 'ondemand' }
    ])
    expect(metrics.preemptions).toBe(2)
    expect(finish).toBeCloseTo(15480, 6)
    // two spot lives billed 3720 s each (through the notice), on-demand 7200-15480
    expect(metrics.spot_hours).toBeCloseTo(7440 / 3600, 9)
    expect(metrics.ondemand_hours).toBeCloseTo(8280 / 3600, 9)
    expect(metrics.total_cost).toBeCloseTo(7440 / 3600 + (8280 / 3600) * 3, 9)
  })
})

describe('deadline job: engine details', () => {
  it('runs spot in the cheapest zone with capacity', () => {
    const { timeline } = run({ zones: ['a', 'b'], prices: [1.2, 0.8] }, 'greedy')
    expect(timeline.find((e) => e.kind === 'launch')!.zone).toBe('b')
  })

  it('keeps progress across a reclaim: the second spot life computes only what is left', () => {
    // reclaimed at 3600 (3240 done), relaunched at once in the same zone (no outage): ready 3960,
    // 11160 s left: done at 15120
    const { finish, metrics } = run({ reclaims: [3600] }, 'greedy')
    expect(finish).toBeCloseTo(15120, 6)
    expect(metrics.work_lost_gpu_hours).toBe(0)
  })

  it('reports a deadline it cannot meet as missed, with the work left as unfinished', () => {
    // C = R = 2 h: on-demand at once (safety net), ready 360; at the 2 h horizon 360 s are left
    const { metrics } = run({}, 'greedy', [2, 2])
    expect(metrics.completed_tasks).toBe(0)
    expect(metrics.unfinished_tasks).toBe(1)
    expect(metrics.deadline_met_pct).toBe(0)
    expect(metrics.unfinished_work_hours).toBeCloseTo(0.1, 9)
    expect(metrics.completion_time_mean_hours).toBeNaN()
    // billed to the horizon
    expect(metrics.ondemand_hours).toBeCloseTo(2, 9)
    expect(metrics.total_cost).toBeCloseTo(6, 9)
  })
})

describe('deadline job: uniform progress transitions (the published rule)', () => {
  /** Spot for the first hour only. */
  const EARLY_ONLY: TestMarketOptions = {
    capacity: [
      [
        [0, 1],
        [HOUR, 0]
      ]
    ]
  }

  it('once on on-demand with no spot in sight, stays there to the end instead of cycling through idle', () => {
    // spot 0-3600: 3240 done. Idle until ep(t) = t / 2 passes 3240 at 6480: on-demand, ready 6840,
    // 11160 s left: done at 18000 on the one on-demand instance.
    const { launches, finish, metrics } = run(EARLY_ONLY, 'uniform-progress')
    expect(launches.map((l) => l.market)).toEqual(['spot', 'ondemand'])
    expect(launches[1].t).toBeCloseTo(6480, 1)
    expect(finish).toBeCloseTo(18000, 1)
    expect(metrics.instances_launched_ondemand).toBe(1)
  })

  it('books progress on the market that made it: spot and on-demand work hours sum to C', () => {
    const { metrics } = run(EARLY_ONLY, 'uniform-progress')
    expect(metrics.spot_work_hours).toBeCloseTo(3240 / 3600, 6)
    expect(metrics.ondemand_work_hours).toBeCloseTo(11160 / 3600, 6)
    expect(metrics.completed_work_hours).toBe(4)
    // billed hours are more: the changeovers and the notice
    expect(metrics.spot_hours).toBeCloseTo(3720 / 3600, 6)
    expect(metrics.ondemand_hours).toBeCloseTo(11520 / 3600, 3)
    const greedy = run(WINDOWS, 'greedy').metrics
    expect(greedy.spot_work_hours).toBeCloseTo(4, 9)
    expect(greedy.ondemand_work_hours).toBe(0)
  })

  it('an unfinished job books the progress it made before the horizon', () => {
    const { metrics } = run({}, 'greedy', [2, 2])
    expect(metrics.ondemand_work_hours + metrics.spot_work_hours).toBeCloseTo(2 - 0.1, 9)
    expect(metrics.completed_work_hours).toBe(0)
  })
})

describe('deadline job: a changeover of 0 cannot loop', () => {
  /** Spot that flickers: 100 s on, 100 s off in zone a for the whole 8 h. */
  const flicker: Array<[number, number]> = []
  for (let t = 0; t < 8 * HOUR; t += 200) flicker.push([t, 1], [t + 100, 0])
  const FLICKER: TestMarketOptions = { capacity: [flicker], replayTickSeconds: 100 }

  it('every deadline policy finishes with a bounded number of launches and events', () => {
    for (const policy of [
      'greedy',
      'uniform-progress',
      'time-sliced',
      'uniform-progress-oracle',
      'spot-or-ondemand',
      'fallback'
    ] as const) {
      const stats = { events: 0 }
      const { metrics } = run(FLICKER, policy, [4, 8], 0, stats)
      expect(metrics.deadline_met_pct, policy).toBe(100)
      const launches = metrics.instances_launched_spot + metrics.instances_launched_ondemand
      // at most one launch per spot window, and a handful of on-demand ones
      expect(launches, policy).toBeLessThanOrEqual(flicker.length / 2 + 4)
      expect(stats.events, policy).toBeLessThan(2000)
    }
  })

  it('holds a policy that changes its mind at every turn to one switch per minimum interval', () => {
    const policy = flappingPolicy()
    const stats = { events: 0 }
    const { timeline } = run({ capacity: [[[0, 0]]] }, policy, [1, 8], 0, stats)
    const switches = timeline.filter((e) => e.kind === 'launch' || e.kind === 'release')
    const times = [...new Set(switches.map((e) => e.t))]
    for (let i = 1; i < times.length; i++)
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(MIN_SWITCH_INTERVAL_SECONDS - 1e-6)
    expect(times.length).toBeLessThanOrEqual((8 * HOUR) / MIN_SWITCH_INTERVAL_SECONDS + 1)
    expect(stats.events).toBeLessThan(4 * times.length + 10)
  })
})

describe('deadline job: uniform progress with the spot-lifetime oracle', () => {
  // k = $3 / $1 = 3, d = 360: a spot life pays from idle when longer than 540 s.
  const windows = (first: number): TestMarketOptions => ({
    capacity: [
      [
        [0, 1],
        [first, 0],
        [2 * HOUR, 1],
        [4 * HOUR, 0]
      ]
    ],
    replayTickSeconds: 20
  })

  it('skips a spot window too short to pay for its changeover, and takes a long one', () => {
    // a 540 s window at 0 is not worth it: behind ep(t) from the first instant, the job goes
    // on-demand (greedy takes the window)
    const short = run(windows(540), 'uniform-progress-oracle')
    expect(short.launches[0].market).toBe('ondemand')
    expect(short.launches[0].t).toBeCloseTo(0, 2)
    expect(run(windows(540), 'greedy').launches[0]).toEqual({ t: 0, market: 'spot' })
    // a 560 s one is
    const long = run(windows(560), 'uniform-progress-oracle')
    expect(long.launches[0]).toEqual({ t: 0, market: 'spot' })
  })

  it('from on-demand, moves to the 2 h window past ep(t + 2d) since it beats 2 k d / (k - 1) = 1080 s', () => {
    const { launches } = run(windows(540), 'uniform-progress-oracle')
    // on-demand from ~0, ready 360; spot back at 7200, when progress 6840 >= ep(7920) = 3960
    expect(launches[1]).toEqual({ t: 2 * HOUR, market: 'spot' })
  })

  it('sees the spot lifetime only on a replayed market', () => {
    expect(() => run({ capacity: [[[0, 1]]] }, 'uniform-progress-oracle')).toThrow(/replayed trace/)
  })
})
