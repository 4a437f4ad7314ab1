import { describe, expect, it } from 'vitest'
import type { MigrationStrategy, SimulationTimelineEvent } from '../../shared/simulation'
import { simulateBatch } from './batch'
import {
  freshCost,
  LAUNCH_FRESH,
  NO_PLACE,
  placeDisplaced,
  slotCost,
  type DisplacedTask,
  type OpenSlot
} from './migration'
import { createPolicy } from '../policies'
import {
  batchConfig,
  createTestMarket,
  HOUR,
  noRandom,
  taskSet
} from '../../../test/support/scripted-market'

const COLD_START = 120

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
    pricePerHour: 1,
    bandwidthGiBps: 1,
    waitSeconds: 0,
    hasModel: (m) => models.includes(m),
    ...rest
  }
}

function task(fields: Partial<DisplacedTask> = {}): DisplacedTask {
  return {
    spot: true,
    gpuMemoryGiB: 8,
    stateGiB: 0,
    model: 0,
    remainingSeconds: HOUR,
    freshPricePerHour: 1,
    freshDelaySeconds: 300,
    ...fields
  }
}

const place = (strategy: MigrationStrategy, tasks: DisplacedTask[], slots: OpenSlot[]) =>
  Array.from(placeDisplaced(strategy, tasks, slots, COLD_START))

describe('slot and fresh costs', () => {
  it('a slot costs its price over the wait, cold start, state fetch and the remaining work', () => {
    // (30 wait + 120 cold start + 50 GiB / 2 GiB/s + 3600) s at $2/h
    const s = slot(1, { pricePerHour: 2, waitSeconds: 30, bandwidthGiBps: 2 })
    expect(slotCost(task({ stateGiB: 50 }), s, COLD_START)).toBeCloseTo(
      ((30 + 120 + 25 + 3600) * 2) / 3600,
      12
    )
    // warm: no cold start
    expect(
      slotCost(
        task({ stateGiB: 50 }),
        slot(1, { pricePerHour: 2, waitSeconds: 30, bandwidthGiBps: 2, models: [0] }),
        COLD_START
      )
    ).toBeCloseTo(((30 + 25 + 3600) * 2) / 3600, 12)
  })

  it('a slot is forbidden when the GPU memory does not fit or the market differs', () => {
    expect(slotCost(task({ gpuMemoryGiB: 24 }), slot(1, { gpuMemoryGiB: 16 }), COLD_START)).toBe(
      Infinity
    )
    expect(
      slotCost(task({ gpuMemoryGiB: 16 }), slot(1, { gpuMemoryGiB: 16 }), COLD_START)
    ).toBeLessThan(Infinity)
    expect(slotCost(task({ spot: false }), slot(1, { spot: true }), COLD_START)).toBe(Infinity)
    expect(slotCost(task({ spot: true }), slot(1, { spot: false }), COLD_START)).toBe(Infinity)
  })

  it('a fresh instance costs its slot price over its delay and the remaining work; Infinity when none can launch', () => {
    expect(freshCost(task())).toBeCloseTo((300 + 3600) / 3600, 12)
    expect(freshCost(task({ freshPricePerHour: Infinity }))).toBe(Infinity)
  })
})

describe('placeDisplaced', () => {
  it('optimal prefers the slot with the model already loaded; first-fit takes the first slot', () => {
    const slots = [slot(10), slot(11, { models: [0] })]
    expect(place('optimal', [task()], slots)).toEqual([11])
    expect(place('first-fit', [task()], slots)).toEqual([10])
  })

  it('optimal prefers the cheaper slot; first-fit takes the first', () => {
    const slots = [
      slot(10, { models: [0], pricePerHour: 1 }),
      slot(11, { models: [0], pricePerHour: 0.5 })
    ]
    expect(place('optimal', [task()], slots)).toEqual([11])
    expect(place('first-fit', [task()], slots)).toEqual([10])
  })

  it('optimal trades a warm but dearer slot against a cold but cheaper one by total cost', () => {
    // warm $1: 3600 s -> $1.00; cold $0.8: 3720 s -> $0.8267: the cold one wins
    expect(
      place('optimal', [task()], [slot(10, { models: [0] }), slot(11, { pricePerHour: 0.8 })])
    ).toEqual([11])
  })

  it('naive always launches fresh, even with a free warm slot', () => {
    const slots = [slot(10, { models: [0], pricePerHour: 0.1 })]
    expect(place('naive', [task(), task()], slots)).toEqual([LAUNCH_FRESH, LAUNCH_FRESH])
  })

  it('optimal launches fresh when that is cheaper than any open slot', () => {
    // slot at $3/h: $3.00; fresh at $1/h with 300 s delay: $1.08
    expect(place('optimal', [task()], [slot(10, { models: [0], pricePerHour: 3 })])).toEqual([
      LAUNCH_FRESH
    ])
  })

  it('never places a task where its memory does not fit or on the other market', () => {
    const slots = [
      slot(10, { gpuMemoryGiB: 16, models: [0] }),
      slot(11, { spot: false, models: [0] })
    ]
    const big = task({ gpuMemoryGiB: 24 })
    for (const strategy of ['optimal', 'first-fit'] as const) {
      expect(place(strategy, [big], slots)).toEqual([LAUNCH_FRESH])
      expect(place(strategy, [big], [slot(11, { spot: false })])).toEqual([LAUNCH_FRESH])
    }
    // an on-demand task can use the on-demand slot
    expect(place('first-fit', [task({ spot: false })], slots)).toEqual([11])
    expect(place('optimal', [task({ spot: false })], slots)).toEqual([11])
  })

  it('leaves a task unplaced (wait for capacity) when no slot fits and no fresh instance can launch', () => {
    const none = task({ freshPricePerHour: Infinity })
    for (const strategy of ['optimal', 'first-fit', 'naive'] as const) {
      expect(place(strategy, [none], [slot(10, { gpuMemoryGiB: 4 })])).toEqual([NO_PLACE])
    }
  })

  it('puts several displaced tasks onto an instance with k free slots, at most k of them', () => {
    const tasks = [task(), task(), task(), task()]
    const slots = [slot(10, { free: 2, models: [0], pricePerHour: 0.5 })]
    const optimal = place('optimal', tasks, slots)
    expect(optimal.filter((p) => p === 10)).toHaveLength(2)
    expect(optimal.filter((p) => p === LAUNCH_FRESH)).toHaveLength(2)
    expect(place('first-fit', tasks, slots)).toEqual([10, 10, LAUNCH_FRESH, LAUNCH_FRESH])
  })

  it('optimal minimises the total over all displaced tasks, giving the cheap slot to the long task', () => {
    // short (1 h) and long (10 h) tasks, slots at $0.5 and $1: short->$1 + long->$0.5 = $6 beats $0.5 + $10
    const tasks = [task({ remainingSeconds: HOUR }), task({ remainingSeconds: 10 * HOUR })]
    const slots = [
      slot(10, { models: [0], pricePerHour: 0.5 }),
      slot(11, { models: [0], pricePerHour: 1 })
    ]
    const freshless = tasks.map((t) => ({ ...t, freshPricePerHour: Infinity }))
    expect(place('optimal', freshless, slots)).toEqual([11, 10])
    expect(place('first-fit', freshless, slots)).toEqual([10, 11])
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
