import { describe, expect, it } from 'vitest'
import type { MigrationStrategy, SimulationTimelineEvent } from '../../shared/simulation'
import { simulateBatch } from './batch'
import {
  doneOnLaunch,
  doneOnSlot,
  expectedHazardPerHour,
  LAUNCH_FRESH,
  NO_PLACE,
  placeDisplaced,
  type DisplacedTask,
  type LaunchChoice,
  type OpenSlot
} from './migration'
import { createPolicy } from '../policies'
import { DEFAULT_SYNTHETIC_MARKET } from './catalog'
import {
  batchConfig,
  createTestMarket,
  HOUR,
  noRandom,
  taskSet,
  TEST_TYPE,
  TEST_TYPE_4GPU
} from '../../../test/support/scripted-market'

const TIMES = { coldStartSeconds: 120, changeoverSeconds: 300, idleReleaseSeconds: 600 }

/** A free slot on an instance due for release now (idle), $1/h, 16 GiB, 1 GiB/s, spot. */
function slot(
  instance: number,
  fields: Partial<Omit<OpenSlot, 'hasModel'>> & { models?: number[] } = {}
): OpenSlot {
  const { models = [], ...rest } = fields
  return {
    instance,
    free: 1,
    spot: true,
    gpuMemoryGiB: 16,
    instancePricePerHour: 1,
    bandwidthGiBps: 1,
    waitSeconds: 0,
    releaseInSeconds: 0,
    hazardPerHour: 0,
    hasModel: (m) => models.includes(m),
    ...rest
  }
}

/** A 1-GPU spot launch at $1/h, 16 GiB, 1 GiB/s. */
function launchable(fields: Partial<LaunchChoice> = {}): LaunchChoice {
  return {
    type: 0,
    zone: 0,
    spot: true,
    pricePerHour: 1,
    gpus: 1,
    gpuMemoryGiB: 16,
    bandwidthGiBps: 1,
    hazardPerHour: 0,
    ...fields
  }
}

function task(fields: Partial<DisplacedTask> = {}): DisplacedTask {
  return {
    spot: true,
    gpuMemoryGiB: 8,
    stateGiB: 0,
    model: 0,
    remainingSeconds: HOUR,
    launchable: true,
    ...fields
  }
}

const place = (
  strategy: MigrationStrategy,
  tasks: DisplacedTask[],
  slots: OpenSlot[],
  launches: LaunchChoice[] = [launchable()]
) => Array.from(placeDisplaced(strategy, tasks, slots, launches, TIMES).targets)

describe('time to done on a slot or a launch', () => {
  it('on a slot: wait + cold start + state fetch + remaining work', () => {
    // 30 wait + 120 cold start + 50 GiB / 2 GiB/s + 3600
    const s = slot(1, { waitSeconds: 30, bandwidthGiBps: 2 })
    expect(doneOnSlot(task({ stateGiB: 50 }), s, 120)).toBe(30 + 120 + 25 + 3600)
    // warm: no cold start
    const warm = slot(1, { waitSeconds: 30, bandwidthGiBps: 2, models: [0] })
    expect(doneOnSlot(task({ stateGiB: 50 }), warm, 120)).toBe(30 + 25 + 3600)
  })

  it('on a launch: changeover (boot and first model) + state fetch + remaining work', () => {
    expect(doneOnLaunch(task({ stateGiB: 20 }), launchable({ bandwidthGiBps: 4 }), 300)).toBe(
      300 + 5 + 3600
    )
  })

  it('forbidden where the GPU memory does not fit or the market differs', () => {
    expect(doneOnSlot(task({ gpuMemoryGiB: 24 }), slot(1, { gpuMemoryGiB: 16 }), 120)).toBe(
      Infinity
    )
    expect(doneOnSlot(task({ gpuMemoryGiB: 16 }), slot(1), 120)).toBeLessThan(Infinity)
    expect(doneOnSlot(task({ spot: false }), slot(1, { spot: true }), 120)).toBe(Infinity)
    expect(doneOnSlot(task({ spot: true }), slot(1, { spot: false }), 120)).toBe(Infinity)
    expect(doneOnLaunch(task({ gpuMemoryGiB: 24 }), launchable(), 300)).toBe(Infinity)
    expect(doneOnLaunch(task({ spot: false }), launchable(), 300)).toBe(Infinity)
  })

  it("expects the synthetic market's reclaim rate of a spot instance, none on a trace", () => {
    expect(
      expectedHazardPerHour({
        ...DEFAULT_SYNTHETIC_MARKET,
        hazard: { kind: 'fixed', perHour: 0.3 }
      })
    ).toBe(0.3)
    expect(
      expectedHazardPerHour({
        ...DEFAULT_SYNTHETIC_MARKET,
        hazard: { kind: 'price-linked', basePerHour: 0.1, elasticity: 2 }
      })
    ).toBe(0.1)
    expect(expectedHazardPerHour({ kind: 'trace', path: 'x', binaryCapacity: 1 })).toBe(0)
  })
})

describe('placeDisplaced', () => {
  it('optimal prefers the warm slot when the cold start would lengthen the bill; first-fit takes the first', () => {
    // both idle, due now at $1/h: cold (120 + 3600 + 600) s = $1.2000, warm (3600 + 600) s = $1.1667
    const slots = [slot(10), slot(11, { models: [0] })]
    expect(place('optimal', [task()], slots)).toEqual([11])
    expect(place('first-fit', [task()], slots)).toEqual([10])
  })

  it('optimal takes a slot already paid for over a cheaper idle one; first-fit takes the first', () => {
    // 10: idle, $0.5/h: (3600 + 600) s -> $0.583; 11: $4/h but busy for 5 h more -> $0
    const slots = [
      slot(10, { models: [0], instancePricePerHour: 0.5 }),
      slot(11, { models: [0], instancePricePerHour: 4, releaseInSeconds: 5 * HOUR })
    ]
    expect(place('optimal', [task()], slots)).toEqual([11])
    expect(place('first-fit', [task()], slots)).toEqual([10])
  })

  it('optimal launches fresh rather than keep a dear instance alive; first-fit takes the slot', () => {
    // slot on a $12/h instance due now: (3600 + 600) s -> $14.00; fresh $1/h: (300 + 3600 + 600) s -> $1.25
    const slots = [slot(10, { models: [0], instancePricePerHour: 12, free: 3 })]
    expect(place('optimal', [task()], slots)).toEqual([LAUNCH_FRESH])
    expect(place('first-fit', [task()], slots)).toEqual([10])
  })

  it("optimal names the launch it wants: the whole instance's price, not a GPU's share", () => {
    // 4-GPU at $3.2/h ($0.8 a GPU) vs 1-GPU at $1/h: 1.25 h -> $4.00 vs $1.25
    const launches = [launchable({ pricePerHour: 3.2 }), launchable({ type: 1, pricePerHour: 1 })]
    const plan = placeDisplaced('optimal', [task()], [], launches, TIMES)
    expect(Array.from(plan.targets)).toEqual([LAUNCH_FRESH])
    expect(Array.from(plan.launch)).toEqual([1])
    // first-fit and naive leave the choice to the engine
    expect(Array.from(placeDisplaced('first-fit', [task()], [], launches, TIMES).launch)).toEqual([
      -1
    ])
  })

  it('naive always launches fresh, even with a free slot already paid for', () => {
    const slots = [slot(10, { models: [0], releaseInSeconds: 10 * HOUR })]
    expect(place('naive', [task(), task()], slots)).toEqual([LAUNCH_FRESH, LAUNCH_FRESH])
  })

  it('never places a task where its memory does not fit or on the other market', () => {
    const slots = [
      slot(10, { gpuMemoryGiB: 16, models: [0] }),
      slot(11, { spot: false, models: [0] })
    ]
    const big = task({ gpuMemoryGiB: 24 })
    const bigLaunch = [launchable({ gpuMemoryGiB: 24 })]
    for (const strategy of ['optimal', 'first-fit'] as const) {
      expect(place(strategy, [big], slots, bigLaunch)).toEqual([LAUNCH_FRESH])
      expect(place(strategy, [big], [slot(11, { spot: false })], bigLaunch)).toEqual([LAUNCH_FRESH])
    }
    // an on-demand task can use the on-demand slot
    const onDemand = task({ spot: false })
    expect(place('first-fit', [onDemand], slots)).toEqual([11])
    expect(place('optimal', [onDemand], slots, [launchable({ spot: false })])).toEqual([11])
  })

  it('leaves a task unplaced (wait for capacity) when no slot fits and nothing can launch', () => {
    const none = task({ launchable: false })
    for (const strategy of ['optimal', 'first-fit', 'naive'] as const) {
      expect(place(strategy, [none], [slot(10, { gpuMemoryGiB: 4 })])).toEqual([NO_PLACE])
    }
    expect(place('optimal', [task({ gpuMemoryGiB: 24 })], [], [launchable()])).toEqual([NO_PLACE])
  })

  it('puts several displaced tasks onto an instance with k free slots, at most k of them', () => {
    const tasks = [task(), task(), task(), task()]
    const slots = [slot(10, { free: 2, models: [0], releaseInSeconds: 10 * HOUR })]
    const optimal = place('optimal', tasks, slots)
    expect(optimal.filter((p) => p === 10)).toHaveLength(2)
    expect(optimal.filter((p) => p === LAUNCH_FRESH)).toHaveLength(2)
    expect(place('first-fit', tasks, slots)).toEqual([10, 10, LAUNCH_FRESH, LAUNCH_FRESH])
  })

  it('optimal minimises the total: the slot paid for 2 h goes to the 1 h task, the 4 h task launches', () => {
    // $12/h slot paid for 2 h, fresh $3/h:
    //   long there: (4h + 600 − 2h) × 12 = $26.00 + short fresh (300 + 1h + 600) × 3 = $3.75 -> $29.75
    //   short there: $0 + long fresh (300 + 4h + 600) × 3 = $12.75 -> $12.75
    const tasks = [task({ remainingSeconds: 4 * HOUR }), task({ remainingSeconds: HOUR })]
    const slots = [slot(10, { models: [0], instancePricePerHour: 12, releaseInSeconds: 2 * HOUR })]
    const launches = [launchable({ pricePerHour: 3 })]
    expect(place('optimal', tasks, slots, launches)).toEqual([LAUNCH_FRESH, 10])
    expect(place('first-fit', tasks, slots, launches)).toEqual([10, LAUNCH_FRESH])
  })
})

describe('migration in the batch engine', () => {
  // Tasks A (2 h) and B (30 min) start at 300 on instances sim-0 and sim-1. B finishes at 2100 and
  // sim-1 idles (release due at 2700). sim-0 is reclaimed at 2400: A has done 2100 s and saves it
  // fully (10 GiB); the warm idle sim-1 is cheaper than a fresh launch.
  function run(strategy: MigrationStrategy) {
    const timeline: SimulationTimelineEvent[] = []
    const metrics = simulateBatch({
      config: batchConfig({ migration: strategy }),
      market: createTestMarket({ reclaims: [2400] }),
      tasks: taskSet([{ work: 2 * HOUR }, { work: 1800 }]),
      policy: createPolicy('greedy', { fallbackAfterPreemptions: 2 }),
      uniform: noRandom(),
      timeline
    })
    const done = timeline
      .filter((e) => e.kind === 'task-done' && e.task === 0)
      .map((e) => [e.t, e.instance])
    return { metrics, done }
  }

  it('optimal moves the displaced task onto the idle warm instance: fetch 10 s, done at 7510', () => {
    const { metrics, done } = run('optimal')
    expect(metrics.migrations).toBe(1)
    expect(metrics.instances_launched_spot).toBe(2)
    expect(done).toEqual([[7510, 'sim-1']])
    // sim-0 0-2520, sim-1 0-8110
    expect(metrics.total_cost).toBeCloseTo((2520 + 8110) / 3600, 9)
  })

  it('first-fit takes the same single open slot', () => {
    const { metrics, done } = run('first-fit')
    expect(metrics.migrations).toBe(1)
    expect(done).toEqual([[7510, 'sim-1']])
  })

  it('naive launches a fresh instance: changeover first, done at 7810, dearer', () => {
    const { metrics, done } = run('naive')
    expect(metrics.migrations).toBe(0)
    expect(metrics.instances_launched_spot).toBe(3)
    expect(done).toEqual([[7810, 'sim-2']])
    // sim-0 0-2520, sim-1 released idle 0-2700, sim-2 2400-8410
    expect(metrics.total_cost).toBeCloseTo((2520 + 2700 + 6010) / 3600, 9)
  })
})

describe('migration onto multi-GPU instances in the batch engine', () => {
  // Types: a 4-GPU at $4/h spot and a 1-GPU at $1/h ($1 a GPU either way, so arrivals launch the
  // first, the 4-GPU). Tasks A and B (2 h, 10 GiB) share sim-0 from 300 s; it is reclaimed at 2400:
  // both have done 2100 s and save it fully (60 GiB fit through 1 GiB/s shared in 120 s).
  function run(strategy: MigrationStrategy) {
    const types = [{ ...TEST_TYPE_4GPU }, { ...TEST_TYPE }]
    const timeline: SimulationTimelineEvent[] = []
    const metrics = simulateBatch({
      config: batchConfig({ migration: strategy, instanceTypes: types }),
      market: createTestMarket({ instanceTypes: types, reclaims: [2400] }),
      tasks: taskSet([{ work: 2 * HOUR }, { work: 2 * HOUR }]),
      policy: createPolicy('greedy', { fallbackAfterPreemptions: 2 }),
      uniform: noRandom(),
      timeline
    })
    const launches = timeline.filter((e) => e.kind === 'launch').map((e) => e.detail)
    return { metrics, launches }
  }

  it('optimal launches a $1/h 1-GPU per displaced task: each costs $1.67, the 4-GPU would cost $6.68', () => {
    // per task: (300 boot + 10 fetch + 5100 left + 600 idle) s = 6010 s; at $1/h $1.669, at $4/h $6.678
    const { metrics, launches } = run('optimal')
    expect(launches).toEqual(['test.4gpu', 'test.1gpu', 'test.1gpu'])
    // sim-0 0-2520 at $4/h = $2.80; sim-1 and sim-2 2400-8410 at $1/h = 2 × $1.669
    expect(metrics.total_cost).toBeCloseTo((2520 * 4 + 2 * 6010) / 3600, 9)
    expect(metrics.completed_tasks).toBe(2)
  })

  it("first-fit launches the engine's choice, the 4-GPU ($1 a GPU), and puts B in its second slot: $9.48", () => {
    const { metrics, launches } = run('first-fit')
    expect(launches).toEqual(['test.4gpu', 'test.4gpu'])
    // sim-0 0-2520 and sim-1 2400-8410 at $4/h
    expect(metrics.total_cost).toBeCloseTo(((2520 + 6010) * 4) / 3600, 9)
    expect(metrics.completed_tasks).toBe(2)
  })

  it('optimal puts both onto one fresh 4-GPU when that is cheaper than a 1-GPU each, as first-fit does', () => {
    // 4-GPU at $2/h spot, 1-GPU at $1.5/h: each busy 6010 s; one shared 4-GPU $3.339, two 1-GPU $5.008
    const types = [{ ...TEST_TYPE_4GPU }, { ...TEST_TYPE }]
    const go = (strategy: MigrationStrategy) => {
      const timeline: SimulationTimelineEvent[] = []
      const metrics = simulateBatch({
        config: batchConfig({ migration: strategy, instanceTypes: types }),
        market: createTestMarket({ instanceTypes: types, prices: [[2], [1.5]], reclaims: [2400] }),
        tasks: taskSet([{ work: 2 * HOUR }, { work: 2 * HOUR }]),
        policy: createPolicy('greedy', { fallbackAfterPreemptions: 2 }),
        uniform: noRandom(),
        timeline
      })
      return { metrics, launches: timeline.filter((e) => e.kind === 'launch').length }
    }
    const optimal = go('optimal')
    expect(optimal.launches).toBe(2)
    // sim-0 0-2520 and sim-1 2400-8410, at $2/h
    expect(optimal.metrics.total_cost).toBeCloseTo(((2520 + 6010) * 2) / 3600, 9)
    expect(optimal.metrics.completed_tasks).toBe(2)
    const firstFit = go('first-fit')
    expect(firstFit.launches).toBe(2)
    expect(firstFit.metrics.total_cost).toBeCloseTo(optimal.metrics.total_cost, 9)
  })
})

describe('what an open instance is paid for, in the batch engine', () => {
  // 4-GPU at $4/h, 1-GPU at $1/h. At 0: L and three 30 min tasks fill sim-0 (4-GPU), T (2 h) launches
  // sim-1 (a tie at $1 a GPU goes to the first type). From 2100 sim-0 has 3 free slots while L runs.
  // sim-1 is reclaimed at 2400: T has done 2100 s, saves it, has 5100 s left (10 s fetch).
  function run(strategy: MigrationStrategy, longHours: number) {
    const types = [{ ...TEST_TYPE_4GPU }, { ...TEST_TYPE }]
    const timeline: SimulationTimelineEvent[] = []
    const metrics = simulateBatch({
      config: batchConfig({ migration: strategy, instanceTypes: types }),
      market: createTestMarket({ instanceTypes: types, reclaims: [Infinity, 2400] }),
      tasks: taskSet([
        { work: longHours * HOUR },
        { work: 1800 },
        { work: 1800 },
        { work: 1800 },
        { work: 2 * HOUR }
      ]),
      policy: createPolicy('greedy', { fallbackAfterPreemptions: 2 }),
      uniform: noRandom(),
      timeline
    })
    const done = timeline.find((e) => e.kind === 'task-done' && e.task === 4)
    return { metrics, doneOn: done?.instance, doneAt: done?.t }
  }

  it('L runs 5 h: sim-0 is paid until 18,900 anyway, so T takes its slot for free', () => {
    // T done at 2400 + 10 + 5100 = 7510, inside L's life (done 18,300, released 18,900)
    const { metrics, doneOn, doneAt } = run('optimal', 5)
    expect([doneOn, doneAt]).toEqual(['sim-0', 7510])
    expect(metrics.total_cost).toBeCloseTo(((18900 + 2520) * 4) / 3600, 9)
  })

  it('L runs 1 h: the slot would keep the $4/h sim-0 from 4500 to 8110 ($4.01), a fresh $1/h 1-GPU costs $1.67', () => {
    // optimal: sim-2 (1-GPU) 2400-8410; sim-0 released at 3900 + 600 = 4500; sim-1 0-2520
    const optimal = run('optimal', 1)
    expect([optimal.doneOn, optimal.doneAt]).toEqual(['sim-2', 7810])
    expect(optimal.metrics.total_cost).toBeCloseTo((4500 * 4 + 2520 * 4 + 6010) / 3600, 9)
    // first-fit takes the slot: sim-0 kept to 7510 + 600 = 8110
    const firstFit = run('first-fit', 1)
    expect([firstFit.doneOn, firstFit.doneAt]).toEqual(['sim-0', 7510])
    expect(firstFit.metrics.total_cost).toBeCloseTo(((8110 + 2520) * 4) / 3600, 9)
  })
})
