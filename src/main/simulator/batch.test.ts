import { describe, expect, it } from 'vitest'
import type {
  BatchWorkloadConfig,
  PolicyName,
  SimulationConfig,
  SimulationTimelineEvent
} from '../../shared/simulation'
import { simulateBatch } from './batch'
import { createPolicy } from '../policies'
import {
  batchConfig,
  createTestMarket,
  HOUR,
  noRandom,
  sequence,
  taskSet,
  TEST_TYPE,
  TEST_TYPE_4GPU,
  type TestMarketOptions,
  type TestTask
} from '../../../test/support/scripted-market'

// Round numbers throughout: changeover 300 s, grace 120 s, idle release 600 s, links of 1 GiB/s (so
// 120 GiB fit through in the notice: full for states <= 150 GiB, partial for <= 400 GiB), spot $1/h.

interface RunOptions {
  market?: TestMarketOptions
  policy?: PolicyName
  config?: Partial<Omit<SimulationConfig, 'workload'>>
  workload?: Partial<BatchWorkloadConfig>
  uniform?: () => number
}

function run(tasks: TestTask[], options: RunOptions = {}) {
  const timeline: SimulationTimelineEvent[] = []
  const market = createTestMarket(options.market)
  const metrics = simulateBatch({
    config: batchConfig(options.config, options.workload),
    market,
    tasks: taskSet(tasks),
    policy: createPolicy(options.policy ?? 'greedy', { fallbackAfterPreemptions: 2 }),
    uniform: options.uniform ?? noRandom(),
    timeline
  })
  const at = (kind: SimulationTimelineEvent['kind'], task?: number) =>
    timeline
      .filter((e) => e.kind === kind && (task === undefined || e.task === task))
      .map((e) => e.t)
  return { metrics, timeline, market, at }
}

/** Reclaimed at 1800 s in zone a (1500 s of work done), then only zone b ($2/h) has capacity. */
const RECLAIM_THEN_ZONE_B: TestMarketOptions = {
  zones: ['a', 'b'],
  prices: [1, 2],
  reclaims: [1800],
  outages: [Infinity]
}
/** Reclaimed at 1800 s, no capacity anywhere afterwards. */
const RECLAIM_NO_CAPACITY: TestMarketOptions = { reclaims: [1800], outages: [Infinity] }

describe('batch engine: a task life without interruptions', () => {
  it('launches, waits the changeover, runs the task and releases the idle instance', () => {
    const { metrics, timeline } = run([{ work: HOUR }])
    expect(timeline.map((e) => [e.t, e.kind])).toEqual([
      [0, 'launch'],
      [300, 'ready'],
      [300, 'task-start'],
      [3900, 'task-done'],
      [4500, 'release']
    ])
    expect(metrics.completed_tasks).toBe(1)
    expect(metrics.total_tasks).toBe(1)
    expect(metrics.unfinished_tasks).toBe(0)
    expect(metrics.unfinished_work_hours).toBe(0)
    expect(metrics.completion_time_mean_hours).toBeCloseTo(3900 / 3600, 12)
    expect(metrics.preemptions).toBe(0)
    expect(metrics.deadline_met_pct).toBe(100)
  })

  it('measures completion time from arrival and reports p50 and p99 over tasks', () => {
    // tasks of 1, 2 and 3 h arriving together: each on its own instance, done 300 s after their work
    const { metrics } = run([{ work: HOUR }, { work: 2 * HOUR }, { work: 3 * HOUR, arrival: 1000 }])
    expect(metrics.completed_tasks).toBe(3)
    expect(metrics.instances_launched_spot).toBe(3)
    const hours = [3900 / 3600, 7500 / 3600, 11100 / 3600]
    expect(metrics.completion_time_mean_hours).toBeCloseTo((hours[0] + hours[1] + hours[2]) / 3, 12)
    expect(metrics.completion_time_p50_hours).toBeCloseTo(hours[1], 12)
    expect(metrics.completion_time_p99_hours).toBeCloseTo(hours[2], 12)
  })

  it('loads a model the instance does not have yet (cold start), but not the one it was launched with', () => {
    // 4-GPU instance: task 0 (model 0) launches it; task 1 (model 1) joins and cold-starts 120 s
    const { at } = run([{ work: HOUR }, { work: HOUR, model: 1 }], {
      market: { instanceTypes: [TEST_TYPE_4GPU] },
      config: { instanceTypes: [TEST_TYPE_4GPU] },
      workload: { coldStartSeconds: 120 }
    })
    expect(at('task-start', 0)).toEqual([300])
    expect(at('task-start', 1)).toEqual([420])
  })
})

describe('batch engine: a reclaim cancels the completion', () => {
  it('does not complete the task at its original time when its instance is reclaimed first', () => {
    const { metrics, at } = run([{ work: HOUR, stateGiB: 1000 }], { market: RECLAIM_NO_CAPACITY })
    expect(at('notice')).toEqual([1800])
    expect(at('task-done')).toEqual([])
    expect(metrics.completed_tasks).toBe(0)
    expect(metrics.preemptions).toBe(1)
  })

  it('reports the task as unfinished, with all its work left, when it restarts and no capacity comes back', () => {
    const { metrics } = run([{ work: HOUR, stateGiB: 1000 }], { market: RECLAIM_NO_CAPACITY })
    expect(metrics.unfinished_tasks).toBe(1)
    expect(metrics.total_tasks).toBe(1)
    expect(metrics.unfinished_work_hours).toBeCloseTo(1, 12)
    expect(metrics.completion_time_mean_hours).toBeNaN()
    expect(metrics.deadline_met_pct).toBe(0)
  })

  it('counts only the work the checkpoint did not save as unfinished', () => {
    // 100 GiB saves fully: 1500 s kept, 2100 s left
    const { metrics } = run([{ work: HOUR, stateGiB: 100 }], { market: RECLAIM_NO_CAPACITY })
    expect(metrics.unfinished_tasks).toBe(1)
    expect(metrics.unfinished_work_hours).toBeCloseTo(2100 / 3600, 12)
  })

  it('reports every task that never got a GPU as unfinished instead of dropping it', () => {
    const { metrics } = run([{ work: HOUR }, { work: 2 * HOUR }, { work: 3 * HOUR }], {
      market: { capacity: [[[0, 0]]] }
    })
    expect(metrics.completed_tasks).toBe(0)
    expect(metrics.unfinished_tasks).toBe(3)
    expect(metrics.unfinished_work_hours).toBeCloseTo(6, 12)
    expect(metrics.launch_failures).toBe(3)
    expect(metrics.total_cost).toBe(0)
  })

  it('with capacity elsewhere, a restarted task completes later by the lost work plus a changeover', () => {
    // lost 1500 s; relaunched in zone b at 1800, ready 2100, full hour of work: done 5700 = 3900 + 1500 + 300
    const { metrics, at } = run([{ work: HOUR, stateGiB: 1000 }], { market: RECLAIM_THEN_ZONE_B })
    expect(at('task-done')).toEqual([5700])
    expect(metrics.completed_tasks).toBe(1)
    expect(metrics.completion_time_mean_hours).toBeCloseTo(5700 / 3600, 12)
    expect(metrics.instances_launched_spot).toBe(2)
  })

  it('with a full checkpoint, completes later only by the changeover and the state transfer', () => {
    // nothing lost; ready 2100 in zone b, fetch 100 GiB in 100 s, 2100 s left: done 4300 = 3900 + 300 + 100
    const { at } = run([{ work: HOUR, stateGiB: 100 }], { market: RECLAIM_THEN_ZONE_B })
    expect(at('task-start')).toEqual([300, 2200])
    expect(at('task-done')).toEqual([4300])
  })

  it('gives different outcomes per policy on the same tasks: spot loses the task, on-demand finishes it', () => {
    const greedy = run([{ work: HOUR, stateGiB: 1000 }], {
      market: RECLAIM_NO_CAPACITY,
      policy: 'greedy'
    })
    const ondemand = run([{ work: HOUR, stateGiB: 1000 }], {
      market: RECLAIM_NO_CAPACITY,
      policy: 'ondemand'
    })
    expect(greedy.metrics.completed_tasks).toBe(0)
    expect(ondemand.metrics.completed_tasks).toBe(1)
    expect(ondemand.at('task-done')).toEqual([3900])
  })

  it('reclaims through a capacity drop: the seeded draw picks the victim, which waits for a free slot', () => {
    // zone capacity 2 -> 1 at 1800: one of the two instances is reclaimed; the victim takes the other
    // instance when its task finishes at 3900: fetch 10 GiB (10 s), 2100 s left -> done 6010
    const market: TestMarketOptions = {
      capacity: [
        [
          [0, 2],
          [1800, 1]
        ]
      ]
    }
    const first = run([{ work: HOUR }, { work: HOUR }], { market, uniform: sequence(0) })
    expect(first.timeline.filter((e) => e.kind === 'notice').map((e) => [e.t, e.instance])).toEqual(
      [[1800, 'sim-0']]
    )
    expect(first.at('task-done', 1)).toEqual([3900])
    expect(first.at('task-done', 0)).toEqual([6010])
    expect(first.metrics.launch_failures).toBe(1)
    expect(first.metrics.instances_launched_spot).toBe(2)
    // victim billed 0-1920, survivor 0-6610 (released 600 s after the last task)
    expect(first.metrics.total_cost).toBeCloseTo((1920 + 6610) / 3600, 9)

    const second = run([{ work: HOUR }, { work: HOUR }], { market, uniform: sequence(0.99) })
    expect(second.timeline.filter((e) => e.kind === 'notice').map((e) => e.instance)).toEqual([
      'sim-1'
    ])
    expect(second.at('task-done', 1)).toEqual([6010])
  })
})

describe('batch engine: checkpoint decisions inside the notice', () => {
  // In every case the task has done 1500 s when the notice comes at 1800.
  const cases = [
    { state: 100, decision: 'full', saved: 1500 },
    { state: 150, decision: 'full', saved: 1500 }, // 120 / 150 = 0.8 exactly
    { state: 200, decision: 'partial', saved: 900 }, // 120 / 200 = 0.6
    { state: 400, decision: 'partial', saved: 450 }, // 120 / 400 = 0.3 exactly
    { state: 1000, decision: 'restart', saved: 0 } // 0.12
  ] as const

  for (const c of cases) {
    it(`a ${c.state} GiB state through 1 GiB/s in 120 s: ${c.decision}, saving ${c.saved} of 1500 s`, () => {
      const { metrics, timeline } = run([{ work: HOUR, stateGiB: c.state }], {
        market: RECLAIM_NO_CAPACITY
      })
      expect(timeline.filter((e) => e.kind === 'checkpoint').map((e) => e.detail)).toEqual([
        c.decision
      ])
      expect(metrics.checkpoints_full).toBe(c.decision === 'full' ? 1 : 0)
      expect(metrics.checkpoints_partial).toBe(c.decision === 'partial' ? 1 : 0)
      expect(metrics.checkpoints_restart).toBe(c.decision === 'restart' ? 1 : 0)
      expect(metrics.work_saved_gpu_hours).toBeCloseTo(c.saved / 3600, 12)
      expect(metrics.work_lost_gpu_hours).toBeCloseTo((1500 - c.saved) / 3600, 12)
      expect(metrics.unfinished_work_hours).toBeCloseTo((3600 - c.saved) / 3600, 12)
    })
  }

  it('a partial save resumes from the saved fraction after fetching the state', () => {
    // 900 s kept; ready in zone b at 2100, fetch 200 GiB (200 s), 2700 s left: done 5000
    // = 3900 + 600 lost + 300 changeover + 200 transfer
    const { at } = run([{ work: HOUR, stateGiB: 200 }], { market: RECLAIM_THEN_ZONE_B })
    expect(at('task-start')).toEqual([300, 2300])
    expect(at('task-done')).toEqual([5000])
  })

  it('with the grace shortened, the same state falls from full to restart', () => {
    // 100 GiB with 20 s of notice: 20 / 100 = 0.2 -> restart
    const { metrics } = run([{ work: HOUR, stateGiB: 100 }], {
      market: RECLAIM_NO_CAPACITY,
      config: { graceSeconds: 20 }
    })
    expect(metrics.checkpoints_restart).toBe(1)
    expect(metrics.work_lost_gpu_hours).toBeCloseTo(1500 / 3600, 12)
  })

  it('a task still setting up when reclaimed has nothing to save and is not counted as a checkpoint', () => {
    // reclaimed at 200 s, before the instance is ready
    const { metrics } = run([{ work: HOUR, stateGiB: 100 }], {
      market: { reclaims: [200], outages: [Infinity] }
    })
    expect(metrics.preemptions).toBe(1)
    expect(
      metrics.checkpoints_full + metrics.checkpoints_partial + metrics.checkpoints_restart
    ).toBe(0)
    expect(metrics.work_lost_gpu_hours).toBe(0)
    expect(metrics.unfinished_work_hours).toBeCloseTo(1, 12)
  })
})

describe('batch engine: periodic checkpoints', () => {
  const periodic = { checkpointIntervalSeconds: 600 }

  it('a restart falls back to the last periodic checkpoint, not to zero', () => {
    // 1500 s done, periodic checkpoints at 600 and 1200: restart keeps 1200, loses 300
    const { metrics } = run([{ work: HOUR, stateGiB: 1000 }], {
      market: RECLAIM_NO_CAPACITY,
      workload: periodic
    })
    expect(metrics.checkpoints_restart).toBe(1)
    expect(metrics.work_lost_gpu_hours).toBeCloseTo(300 / 3600, 12)
    expect(metrics.work_saved_gpu_hours).toBe(0)
    expect(metrics.unfinished_work_hours).toBeCloseTo(2400 / 3600, 12)
  })

  it('a restarted task resumes from its periodic checkpoint after fetching it', () => {
    // ready in zone b at 2100, fetch 1000 GiB (1000 s), 2400 s left: done 5500 (5700 without periodic checkpoints)
    const { at } = run([{ work: HOUR, stateGiB: 1000 }], {
      market: RECLAIM_THEN_ZONE_B,
      workload: periodic
    })
    expect(at('task-start')).toEqual([300, 3100])
    expect(at('task-done')).toEqual([5500])
  })

  it('a partial save counts only the work past the periodic checkpoint as saved', () => {
    // periodic at 1200; 0.6 of the 300 s since: 180 s saved, 120 s lost
    const { metrics } = run([{ work: HOUR, stateGiB: 200 }], {
      market: RECLAIM_NO_CAPACITY,
      workload: periodic
    })
    expect(metrics.checkpoints_partial).toBe(1)
    expect(metrics.work_saved_gpu_hours).toBeCloseTo(180 / 3600, 12)
    expect(metrics.work_lost_gpu_hours).toBeCloseTo(120 / 3600, 12)
    expect(metrics.unfinished_work_hours).toBeCloseTo((3600 - 1380) / 3600, 12)
  })
})

describe('batch engine: tasks sharing one multi-GPU instance', () => {
  const fourGpu = { instanceTypes: [TEST_TYPE_4GPU] }

  it('alone on the instance, a 100 GiB state saves fully', () => {
    const { metrics } = run([{ work: HOUR, stateGiB: 100 }], {
      market: { ...fourGpu, ...RECLAIM_NO_CAPACITY },
      config: fourGpu
    })
    expect(metrics.checkpoints_full).toBe(1)
  })

  it('two working tasks split the 1 GiB/s link: 60 GiB each, so each saves 60% (partial)', () => {
    const { metrics } = run(
      [
        { work: HOUR, stateGiB: 100 },
        { work: HOUR, stateGiB: 100 }
      ],
      { market: { ...fourGpu, ...RECLAIM_NO_CAPACITY }, config: fourGpu }
    )
    expect(metrics.instances_launched_spot).toBe(1)
    expect(metrics.preemptions).toBe(2)
    expect(metrics.checkpoints_partial).toBe(2)
    expect(metrics.work_saved_gpu_hours).toBeCloseTo((2 * 900) / 3600, 12)
    expect(metrics.work_lost_gpu_hours).toBeCloseTo((2 * 600) / 3600, 12)
  })

  it('a task still loading its model does not take a share of the link', () => {
    // task 2 (model 1) cold-starts for an hour, so at 1800 only tasks 0 and 1 are working
    const { metrics } = run(
      [
        { work: HOUR, stateGiB: 100 },
        { work: HOUR, stateGiB: 100 },
        { work: HOUR, stateGiB: 100, model: 1 }
      ],
      {
        market: { ...fourGpu, ...RECLAIM_NO_CAPACITY },
        config: fourGpu,
        workload: { coldStartSeconds: HOUR }
      }
    )
    expect(metrics.preemptions).toBe(3)
    expect(metrics.checkpoints_partial).toBe(2)
    expect(metrics.checkpoints_full + metrics.checkpoints_restart).toBe(0)
    expect(metrics.work_lost_gpu_hours).toBeCloseTo((2 * 600) / 3600, 12)
  })
})

describe('batch engine: waiting for spot capacity', () => {
  it('a waiting task launches as soon as an idle release frees the zone capacity it needs', () => {
    // Zone capacity 1. Task 0 (8 GiB) takes it on the small type; task 1 needs 40 GiB, which only the
    // big type has, so it cannot share the small instance and waits. The small instance is released
    // idle at 4500: task 1 launches then (ready 4800, done 8400) instead of waiting forever.
    const big = {
      ...TEST_TYPE,
      name: 'test.big',
      gpuMemoryGiB: 48,
      onDemandPrice: 6,
      meanSpotPrice: 2
    }
    const types = [TEST_TYPE, big]
    const { metrics, at, timeline } = run(
      [
        { work: HOUR, gpuMemoryGiB: 8 },
        { work: HOUR, gpuMemoryGiB: 40, arrival: 100 }
      ],
      {
        market: { instanceTypes: types, capacity: [[[0, 1]]] },
        config: { instanceTypes: types },
        workload: { gpuMemoryChoicesGiB: [8, 40] }
      }
    )
    expect(metrics.launch_failures).toBe(1)
    expect(timeline.filter((e) => e.kind === 'launch').map((e) => [e.t, e.detail])).toEqual([
      [0, 'test.1gpu'],
      [4500, 'test.big']
    ])
    expect(at('task-done', 1)).toEqual([8400])
    expect(metrics.completed_tasks).toBe(2)
  })
})
