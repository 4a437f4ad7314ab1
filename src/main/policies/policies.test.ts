import { describe, expect, it } from 'vitest'
import {
  ALL_POLICIES,
  type PolicyName,
  type SimulationTimelineEvent
} from '../../shared/simulation'
import { simulateBatch } from '../simulator/batch'
import {
  batchConfig,
  createTestMarket,
  HOUR,
  noRandom,
  taskSet,
  type TestMarketOptions,
  type TestTask
} from '../../../test/support/scripted-market'
import { createFallback } from './fallback'
import { greedy } from './greedy'
import { createPolicy, type BatchTaskView, type DeadlineView } from './index'
import { ondemand } from './ondemand'
import { safetyNetTriggered } from './types'
import { expectedProgress, uniformProgress } from './uniform-progress'

// A 4 h job due at 8 h with a 360 s changeover: ep(t) = t / 2; the safety-net line is
// R - t <= (C - progress) + 720.
const C = 4 * HOUR
const R = 8 * HOUR
const D = 360

function view(fields: Partial<DeadlineView>): DeadlineView {
  return {
    now: 0,
    progress: 0,
    computeTime: C,
    deadline: R,
    changeover: D,
    spotAvailable: false,
    current: 'idle',
    safetyNet: false,
    preemptions: 0,
    ...fields
  }
}

const decide = (v: Partial<DeadlineView>) => uniformProgress.decideDeadline!(view(v))

/** What a batch task shows a policy: its preemptions so far, spot available unless said otherwise. */
function batchView(preemptions: number, spotAvailable = true): BatchTaskView {
  return { preemptions, remainingWork: HOUR, spotAvailable }
}

describe('expected progress and the safety net', () => {
  it('ep(t) = t * C / R', () => {
    expect(expectedProgress(view({}), 7200)).toBe(3600)
    expect(expectedProgress(view({}), R)).toBe(C)
  })

  it('triggers the safety net when the time left is at most the work left plus two changeovers (inclusive)', () => {
    // progress 10000: work left 4400 + 720 = 5120, so the line is at now = 28800 - 5120 = 23680
    expect(safetyNetTriggered(view({ progress: 10000, now: 23680 }))).toBe(true)
    expect(safetyNetTriggered(view({ progress: 10000, now: 23690 }))).toBe(true)
    expect(safetyNetTriggered(view({ progress: 10000, now: 23679 }))).toBe(false)
  })

  it('stays triggered once set, however much time is left', () => {
    expect(safetyNetTriggered(view({ safetyNet: true, now: 0 }))).toBe(true)
  })
})

describe('uniform-progress decisions', () => {
  it('takes spot whenever it is available, behind or ahead', () => {
    expect(decide({ now: 7200, progress: 0, spotAvailable: true })).toBe('spot')
    expect(decide({ now: 7200, progress: 7000, spotAvailable: true })).toBe('spot')
  })

  it('with no spot, runs on-demand when behind ep(t) and idles when not', () => {
    // ep(7200) = 3600
    expect(decide({ now: 7200, progress: 3599 })).toBe('ondemand')
    expect(decide({ now: 7200, progress: 3600 })).toBe('idle')
    expect(decide({ now: 7200, progress: 4000 })).toBe('idle')
  })

  it('on on-demand, stays there until progress reaches ep(t + 2d), even if spot comes back', () => {
    // ep(7200 + 720) = 3960: ahead of ep(t) = 3600 but not of ep(t + 2d)
    expect(decide({ now: 7200, progress: 3700, current: 'ondemand', spotAvailable: true })).toBe(
      'ondemand'
    )
    expect(decide({ now: 7200, progress: 3959, current: 'ondemand' })).toBe('ondemand')
  })

  it('on on-demand past ep(t + 2d), moves to spot if there is some, else stays on on-demand', () => {
    expect(decide({ now: 7200, progress: 3960, current: 'ondemand', spotAvailable: true })).toBe(
      'spot'
    )
    // the published rule (sky_spot rc_cr_threshold): never from on-demand to idle, however far ahead
    expect(decide({ now: 7200, progress: 3960, current: 'ondemand', spotAvailable: false })).toBe(
      'ondemand'
    )
    expect(decide({ now: 7200, progress: 14000, current: 'ondemand', spotAvailable: false })).toBe(
      'ondemand'
    )
  })

  it('wakes up where its lines cross: ep(t) when idle, ep(t + 2d) on a running on-demand instance', () => {
    const wake = uniformProgress.deadlineWakeups!
    // idle with 3600 s done: ep(t) = t / 2 reaches it at 7200
    expect(wake(view({ now: 1000, progress: 3600 }))).toEqual([7200])
    // on-demand from 7200 with 3600 done: 3600 + (t - 7200) = (t + 720) / 2 at t = 7920
    expect(wake(view({ now: 7200, progress: 3600, current: 'ondemand', running: true }))).toEqual([
      7920
    ])
    expect(wake(view({ now: 7200, progress: 3600, current: 'spot', running: true }))).toEqual([])
  })

  it('on spot, stays on spot even when behind', () => {
    expect(decide({ now: 7200, progress: 0, current: 'spot', spotAvailable: true })).toBe('spot')
  })

  it('goes on-demand at the safety net even from spot, and keeps to it once set', () => {
    expect(decide({ now: 23680, progress: 10000, current: 'spot', spotAvailable: true })).toBe(
      'ondemand'
    )
    expect(decide({ now: 23679, progress: 10000, current: 'spot', spotAvailable: true })).toBe(
      'spot'
    )
    // sticky: far ahead of schedule with spot available, still on-demand
    expect(
      decide({
        now: 1000,
        progress: 5000,
        current: 'ondemand',
        spotAvailable: true,
        safetyNet: true
      })
    ).toBe('ondemand')
  })

  it('asks for spot for batch tasks', () => {
    expect(uniformProgress.chooseMarket(batchView(5))).toBe('spot')
  })
})

describe('greedy, fallback and on-demand decisions', () => {
  it('greedy: always spot for a batch task, even when there is none to be had (it waits)', () => {
    expect(greedy.chooseMarket(batchView(0))).toBe('spot')
    expect(greedy.chooseMarket(batchView(10))).toBe('spot')
    expect(greedy.chooseMarket(batchView(0, false))).toBe('spot')
  })

  it('greedy: a deadline job runs on spot when available and idles otherwise, even far behind', () => {
    expect(greedy.decideDeadline!(view({ now: 7200, spotAvailable: true }))).toBe('spot')
    expect(greedy.decideDeadline!(view({ now: 7200, progress: 0 }))).toBe('idle')
  })

  it('greedy: obeys the safety net', () => {
    expect(
      greedy.decideDeadline!(
        view({ now: 23680, progress: 10000, spotAvailable: true, current: 'spot' })
      )
    ).toBe('ondemand')
    expect(greedy.decideDeadline!(view({ safetyNet: true, spotAvailable: true }))).toBe('ondemand')
  })

  it('fallback: spot until the task has been preempted N times, then on-demand', () => {
    const fallback = createFallback(2)
    expect(fallback.chooseMarket(batchView(0))).toBe('spot')
    expect(fallback.chooseMarket(batchView(1))).toBe('spot')
    expect(fallback.chooseMarket(batchView(2))).toBe('ondemand')
    expect(fallback.chooseMarket(batchView(3))).toBe('ondemand')
  })

  it('fallback: a deadline job goes on-demand after N preemptions or at the safety net', () => {
    const fallback = createFallback(2)
    expect(fallback.decideDeadline!(view({ preemptions: 1, spotAvailable: true }))).toBe('spot')
    expect(fallback.decideDeadline!(view({ preemptions: 1, spotAvailable: false }))).toBe('idle')
    expect(fallback.decideDeadline!(view({ preemptions: 2, spotAvailable: true }))).toBe('ondemand')
    expect(
      fallback.decideDeadline!(view({ now: 23680, progress: 10000, spotAvailable: true }))
    ).toBe('ondemand')
  })

  it('on-demand: never spot', () => {
    expect(ondemand.chooseMarket(batchView(0))).toBe('ondemand')
    expect(ondemand.chooseMarket(batchView(0, false))).toBe('ondemand')
    expect(ondemand.decideDeadline!(view({ spotAvailable: true }))).toBe('ondemand')
  })

  it('createPolicy builds each named policy, fallback with its threshold', () => {
    // omniscient plans the whole run ahead instead (omniscient.test.ts)
    for (const name of ALL_POLICIES) {
      if (name === 'omniscient') continue
      expect(createPolicy(name, { fallbackAfterPreemptions: 2 }).name).toBe(name)
    }
    const fallback3 = createPolicy('fallback', { fallbackAfterPreemptions: 3 })
    expect(fallback3.chooseMarket(batchView(2))).toBe('spot')
    expect(fallback3.chooseMarket(batchView(3))).toBe('ondemand')
  })
})

describe('batch policies in the engine', () => {
  function run(tasks: TestTask[], market: TestMarketOptions, policy: PolicyName) {
    const timeline: SimulationTimelineEvent[] = []
    const metrics = simulateBatch({
      config: batchConfig(),
      market: createTestMarket(market),
      tasks: taskSet(tasks),
      policy: createPolicy(policy, { fallbackAfterPreemptions: 2 }),
      uniform: noRandom(),
      timeline
    })
    const launches = timeline.filter((e) => e.kind === 'launch').map((e) => [e.t, e.market])
    const done = (task: number) =>
      timeline.filter((e) => e.kind === 'task-done' && e.task === task).map((e) => e.t)
    return { metrics, launches, done }
  }

  // No spot capacity for the first hour.
  const LATE_SPOT: TestMarketOptions = {
    capacity: [
      [
        [0, 0],
        [HOUR, Infinity]
      ]
    ]
  }

  it('greedy waits for spot capacity rather than going on-demand, counting one launch failure per waiting task', () => {
    // tasks 0 and 1 wait from 0, task 2 from 1800 (its arrival re-dispatches the others: not counted again)
    const { metrics, launches, done } = run(
      [{ work: HOUR }, { work: HOUR }, { work: HOUR, arrival: 1800 }],
      LATE_SPOT,
      'greedy'
    )
    expect(metrics.launch_failures).toBe(3)
    expect(metrics.instances_launched_ondemand).toBe(0)
    expect(launches).toEqual([
      [HOUR, 'spot'],
      [HOUR, 'spot'],
      [HOUR, 'spot']
    ])
    expect(done(0)).toEqual([HOUR + 300 + HOUR])
    expect(metrics.completed_tasks).toBe(3)
  })

  it('greedy counts a new launch failure for each new wait of the same task', () => {
    // launched at 1 h, reclaimed at 5000 s; the zone is out for 1000 s: a second wait
    const { metrics, launches } = run(
      [{ work: HOUR }],
      { ...LATE_SPOT, reclaims: [5000], outages: [1000] },
      'greedy'
    )
    expect(metrics.launch_failures).toBe(2)
    expect(launches).toEqual([
      [HOUR, 'spot'],
      [6000, 'spot']
    ])
  })

  it('on-demand never launches spot, however cheap, and is not delayed by missing spot capacity', () => {
    const { metrics, launches, done } = run([{ work: HOUR }], LATE_SPOT, 'ondemand')
    expect(launches).toEqual([[0, 'ondemand']])
    expect(metrics.launch_failures).toBe(0)
    expect(done(0)).toEqual([3900])
    expect(metrics.total_cost).toBeCloseTo(3.75, 9)
  })

  // Each of the first two spot launches is reclaimed 1000 s after it starts (before the task is done).
  const TWICE: TestMarketOptions = { reclaims: [{ after: 1000 }, { after: 1000 }] }

  it('fallback moves a task to on-demand after its second preemption', () => {
    // spot 0 (reclaimed 1000), spot 1000 (reclaimed 2000), on-demand 2000: ready 2300, done 5900
    const { metrics, launches, done } = run([{ work: HOUR, stateGiB: 1000 }], TWICE, 'fallback')
    expect(launches).toEqual([
      [0, 'spot'],
      [1000, 'spot'],
      [2000, 'ondemand']
    ])
    expect(metrics.preemptions).toBe(2)
    expect(done(0)).toEqual([5900])
    // spot 2 x 1120 s at $1/h, on-demand 2000-6500 at $3/h
    expect(metrics.spot_hours).toBeCloseTo(2240 / 3600, 9)
    expect(metrics.ondemand_hours).toBeCloseTo(4500 / 3600, 9)
    expect(metrics.total_cost).toBeCloseTo(2240 / 3600 + 3.75, 9)
  })

  it('greedy in the same market stays on spot after two preemptions', () => {
    const { metrics, launches, done } = run([{ work: HOUR, stateGiB: 1000 }], TWICE, 'greedy')
    expect(launches.map((l) => l[1])).toEqual(['spot', 'spot', 'spot'])
    expect(done(0)).toEqual([5900])
    expect(metrics.total_cost).toBeCloseTo((1120 + 1120 + 4500) / 3600, 9)
  })

  it('fallback counts preemptions per task: an uninterrupted task stays on spot', () => {
    // launch order: task 0 (reclaimed), task 1 (never), task 0 again (reclaimed) -> task 0 on-demand
    const { metrics } = run(
      [
        { work: HOUR, stateGiB: 1000 },
        { work: HOUR, stateGiB: 1000 }
      ],
      { reclaims: [{ after: 1000 }, Infinity, { after: 1000 }] },
      'fallback'
    )
    expect(metrics.instances_launched_spot).toBe(3)
    expect(metrics.instances_launched_ondemand).toBe(1)
    expect(metrics.completed_tasks).toBe(2)
  })
})
