import { describe, expect, it } from 'vitest'
import {
  expectedFreshBilledSeconds,
  expectedLifeSeconds,
  extensionCost,
  launchCost,
  MINIMUM_BILLED_SECONDS,
  placeByMarginalCost,
  type LaunchOption,
  type MarginalProblem,
  type PaidInstance
} from './marginal'

const HOUR = 3600
const IDLE = 600

function problem(
  instances: PaidInstance[],
  freeSlots: number[],
  options: LaunchOption[],
  doneOnInstance: number[][],
  doneOnLaunch: number[][]
): MarginalProblem {
  return {
    tasks: doneOnInstance.length,
    instances,
    freeSlots,
    options,
    doneOnInstance: Float64Array.from(doneOnInstance.flat()),
    doneOnLaunch: Float64Array.from(doneOnLaunch.flat()),
    idleReleaseSeconds: IDLE
  }
}

describe('expected lives', () => {
  it('without a hazard a life lasts as planned', () => {
    expect(expectedLifeSeconds(5000, 0)).toBe(5000)
    expect(expectedLifeSeconds(0, 1)).toBe(0)
    expect(expectedLifeSeconds(-5, 0)).toBe(0)
  })

  it('a hazard of 1/h cuts a planned hour to E[min(1 h, X)] = 3600 (1 − e^-1) = 2275.63 s', () => {
    expect(expectedLifeSeconds(HOUR, 1)).toBeCloseTo(HOUR * (1 - Math.exp(-1)), 9)
    expect(expectedLifeSeconds(HOUR, 1)).toBeCloseTo(2275.634, 3)
  })

  it('a fresh life bills at least 60 s: 30 s planned bills 60', () => {
    expect(MINIMUM_BILLED_SECONDS).toBe(60)
    expect(expectedFreshBilledSeconds(30, 0)).toBe(60)
    expect(expectedFreshBilledSeconds(30, 5)).toBe(60)
    expect(expectedFreshBilledSeconds(1000, 0)).toBe(1000)
  })

  it('a fresh life with a hazard: 60 + P(X > 60) · E[min(planned − 60, X)]', () => {
    // 1/h, planned 3660 s: 60 + e^(−60/3600) · 3600 (1 − e^-1) = 60 + 0.98347 · 2275.634 = 2298.02
    expect(expectedFreshBilledSeconds(HOUR + 60, 1)).toBeCloseTo(
      60 + Math.exp(-60 / 3600) * HOUR * (1 - Math.exp(-1)),
      9
    )
    expect(expectedFreshBilledSeconds(HOUR + 60, 1)).toBeCloseTo(2298.02, 2)
  })
})

describe('extension and launch costs', () => {
  const busy: PaidInstance = { pricePerHour: 4, releaseInSeconds: HOUR, hazardPerHour: 0 }

  it('a slot is free while the task ends inside the life already paid for', () => {
    expect(extensionCost(busy, 1800)).toBe(0)
    expect(extensionCost(busy, HOUR)).toBe(0)
  })

  it('past it, the whole instance is paid for the extra time: $4/h × (1.5 h − 1 h) = $2', () => {
    expect(extensionCost(busy, 1.5 * HOUR)).toBeCloseTo(2, 12)
  })

  it('an instance due for release now charges the whole time: $4/h × 2 h = $8', () => {
    expect(extensionCost({ ...busy, releaseInSeconds: 0 }, 2 * HOUR)).toBeCloseTo(8, 12)
  })

  it('under a hazard only the expected extra life is charged: 3600 (e^-1 − e^-2) s at $1/h = $0.2325', () => {
    // L(7200) − L(3600) = 3600 (1 − e^-2) − 3600 (1 − e^-1) = 3600 (e^-1 − e^-2) = 837.1 s
    const spot: PaidInstance = { pricePerHour: 1, releaseInSeconds: HOUR, hazardPerHour: 1 }
    expect(extensionCost(spot, 2 * HOUR)).toBeCloseTo(Math.exp(-1) - Math.exp(-2), 12)
    expect(extensionCost(spot, 2 * HOUR)).toBeCloseTo(0.2325, 4)
  })

  it('a fresh launch costs its whole instance, at least 60 s: $12/h for 2 h = $24, for 10 s = $0.20', () => {
    expect(launchCost({ pricePerHour: 12, hazardPerHour: 0, gpus: 4 }, 2 * HOUR)).toBeCloseTo(
      24,
      12
    )
    expect(launchCost({ pricePerHour: 12, hazardPerHour: 0, gpus: 4 }, 10)).toBeCloseTo(0.2, 12)
  })
})

describe('placeByMarginalCost', () => {
  const fourGpu = (releaseInSeconds: number): PaidInstance => ({
    pricePerHour: 12,
    releaseInSeconds,
    hazardPerHour: 0
  })
  const oneGpuLaunch: LaunchOption = { pricePerHour: 3, hazardPerHour: 0, gpus: 1 }

  it('takes a free slot on a paid 4-GPU instance for free rather than launching', () => {
    // instance busy for 5 h more (+600 s idle); a 2 h task done there at 2 h: inside, $0.
    // fresh 1-GPU at $3/h: (300 boot + 7200 + 600 idle) s = 2.25 h -> $6.75
    const p = problem(
      [fourGpu(5 * HOUR + IDLE)],
      [3],
      [oneGpuLaunch],
      [[2 * HOUR]],
      [[300 + 2 * HOUR]]
    )
    const plan = placeByMarginalCost(p)
    expect(Array.from(plan.instance)).toEqual([0])
    expect(Array.from(plan.launch)).toEqual([-1])
    expect(plan.total).toBe(0)
  })

  it('launches a cheap instance when the task would keep a dear one alive much longer', () => {
    // slot: release in 1 h; the 3 h task keeps it to 3 h + 600 s: (3h10m − 1h) × $12/h = $26.00
    // fresh 1-GPU at $3/h: (300 + 3 h + 600) s = 3.25 h -> $9.75
    const p = problem([fourGpu(HOUR)], [3], [oneGpuLaunch], [[3 * HOUR]], [[300 + 3 * HOUR]])
    const plan = placeByMarginalCost(p)
    expect(Array.from(plan.instance)).toEqual([-1])
    expect(Array.from(plan.launch)).toEqual([0])
    expect(plan.total).toBeCloseTo(9.75, 12)
  })

  it('charges a fresh launch its whole instance: a 1-GPU at $4/h beats a 4-GPU at $12/h ($3 a GPU)', () => {
    // 1 h task, boot 300 s, idle 600 s: 1.25 h. 4-GPU: $15.00; 1-GPU: $5.00
    const options: LaunchOption[] = [
      { pricePerHour: 12, hazardPerHour: 0, gpus: 4 },
      { pricePerHour: 4, hazardPerHour: 0, gpus: 1 }
    ]
    const plan = placeByMarginalCost(problem([], [], options, [[]], [[300 + HOUR, 300 + HOUR]]))
    expect(Array.from(plan.launch)).toEqual([1])
    expect(plan.total).toBeCloseTo(5, 12)
  })

  it('solves all tasks jointly: the slot goes to the task it covers, the long one launches', () => {
    // slot paid for 2 h at $12/h. Tasks: 4 h (long), 1 h (short); fresh $3/h with 300 s boot.
    //   long on slot: (4h + 600 − 2h) × 12 = $26.00, short fresh: (300 + 1h + 600) × 3 = $3.75 -> $29.75
    //   short on slot: 1h + 600 < 2 h -> $0, long fresh: (300 + 4h + 600) × 3 = $12.75 -> $12.75
    const p = problem(
      [fourGpu(2 * HOUR)],
      [1],
      [oneGpuLaunch],
      [[4 * HOUR], [HOUR]],
      [[300 + 4 * HOUR], [300 + HOUR]]
    )
    const plan = placeByMarginalCost(p)
    expect(Array.from(plan.instance)).toEqual([-1, 0])
    expect(Array.from(plan.launch)).toEqual([0, -1])
    expect(plan.total).toBeCloseTo(12.75, 12)
    expect(Array.from(plan.cost)).toEqual([plan.total, 0])
  })

  it('an instance with k free slots takes at most k tasks', () => {
    // three 1 h tasks, one instance with 2 free slots paid for 10 h: two go there ($0), one launches ($3.75)
    const tasks = [[HOUR], [HOUR], [HOUR]]
    const p = problem(
      [fourGpu(10 * HOUR)],
      [2],
      [oneGpuLaunch],
      tasks,
      tasks.map(([d]) => [300 + d])
    )
    const plan = placeByMarginalCost(p)
    expect(Array.from(plan.instance).filter((k) => k === 0)).toHaveLength(2)
    expect(Array.from(plan.launch).filter((o) => o === 0)).toHaveLength(1)
    expect(plan.total).toBeCloseTo(3.75, 12)
  })

  it('tasks sharing an instance pay its extension once: both 2 h tasks onto one idle 4-GPU', () => {
    // idle 4-GPU at $2/h due for release now; fresh 1-GPU at $1.5/h, 300 s boot. Busy (7200 + 600) s:
    //   both there: 7800 s × $2/h = $4.333 once (the sum of their own extensions would say $8.667)
    //   both fresh: 2 × 8100 s × $1.5/h = $6.75; one each: $4.333 + $3.375 = $7.71
    const idle: PaidInstance = { pricePerHour: 2, releaseInSeconds: 0, hazardPerHour: 0 }
    const fresh: LaunchOption = { pricePerHour: 1.5, hazardPerHour: 0, gpus: 1 }
    const tasks = [[2 * HOUR], [2 * HOUR]]
    const plan = placeByMarginalCost(
      problem(
        [idle],
        [4],
        [fresh],
        tasks,
        tasks.map(([d]) => [300 + d])
      )
    )
    expect(Array.from(plan.instance)).toEqual([0, 0])
    expect(plan.total).toBeCloseTo((7800 * 2) / 3600, 12)
    // charged to the one that keeps it longest (a tie: the first), the other 0
    expect(Array.from(plan.cost)).toEqual([plan.total, 0])
  })

  it('several tasks may share one fresh multi-GPU launch when that is cheaper than one each', () => {
    // three 1 h tasks, busy (300 + 3600 + 600) = 4500 s on a launch:
    //   one 4-GPU at $2/h for all: 4500 s × $2/h = $2.50; a 1-GPU at $1.5/h each: 3 × $1.875 = $5.625
    const options: LaunchOption[] = [
      { pricePerHour: 2, hazardPerHour: 0, gpus: 4 },
      { pricePerHour: 1.5, hazardPerHour: 0, gpus: 1 }
    ]
    const tasks = [[], [], []].map(() => [300 + HOUR, 300 + HOUR])
    const plan = placeByMarginalCost(problem([], [], options, [[], [], []], tasks))
    expect(Array.from(plan.launch)).toEqual([0, 0, 0])
    expect(Array.from(plan.shared)).toEqual([1, 1, 1])
    expect(plan.total).toBeCloseTo(2.5, 12)
    // one 1 h task alone: the 1-GPU ($1.875) beats the 4-GPU ($2.50), on a launch of its own
    const one = placeByMarginalCost(problem([], [], options, [[]], [tasks[0]]))
    expect(Array.from(one.launch)).toEqual([1])
    expect(one.total).toBeCloseTo(1.875, 12)
  })

  it('leaves a task that fits nowhere unplaced, at no cost', () => {
    const p = problem([fourGpu(HOUR)], [1], [oneGpuLaunch], [[Infinity]], [[Infinity]])
    const plan = placeByMarginalCost(p)
    expect(Array.from(plan.instance)).toEqual([-1])
    expect(Array.from(plan.launch)).toEqual([-1])
    expect(plan.total).toBe(0)
  })

  it('rejects matrices of the wrong size', () => {
    const p = problem([fourGpu(HOUR)], [1], [oneGpuLaunch], [[HOUR]], [[HOUR]])
    expect(() => placeByMarginalCost({ ...p, doneOnInstance: new Float64Array(2) })).toThrow(
      /doneOnInstance has 2 entries, expected 1 \* 1/
    )
    expect(() => placeByMarginalCost({ ...p, doneOnLaunch: new Float64Array(0) })).toThrow(
      /doneOnLaunch has 0 entries/
    )
  })
})
