import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { ManagedInstance } from '../../shared/fleet'
import { createRandom } from '../../shared/random'
import {
  assignOptimal,
  buildCostMatrix,
  earliestNode,
  leastLoaded,
  migrationCost,
  placeWorkloads,
  randomTarget,
  selectTarget,
  warmLeastLoaded,
  type Candidate,
  type DisplacedWorkload
} from './strategies'

function instance(id: string, over: Partial<ManagedInstance> = {}): ManagedInstance {
  return {
    id,
    name: id,
    provider: 'sandbox',
    region: 'us-east-1',
    zone: 'us-east-1a',
    instanceType: 'g5.xlarge',
    market: 'spot',
    state: 'running',
    gpus: 1,
    gpuMemoryGiB: 24,
    pricePerHour: 0.4,
    onDemandPricePerHour: 1.01,
    launchedAt: 0,
    tags: {},
    ...over
  }
}

function cand(
  id: string,
  over: Partial<Candidate> & { inst?: Partial<ManagedInstance> } = {}
): Candidate {
  const { inst, ...rest } = over
  return {
    instance: instance(id, inst),
    freeSlots: 1,
    load: 0,
    modelsLoaded: [],
    bandwidthGbps: 10,
    ...rest
  }
}

const llama: DisplacedWorkload = { model: 'llama-8b', gpuMemoryGiB: 20, pricePerHour: 0.4 }

/** a fleet where every strategy picks a different instance */
const fleet: Candidate[] = [
  cand('young-idle', { load: 0, inst: { launchedAt: 5000 } }),
  cand('old-busy', { load: 40, inst: { launchedAt: 1000 } }),
  cand('warm-mid', { load: 12, modelsLoaded: ['llama-8b'], inst: { launchedAt: 3000 } }),
  cand('warm-busy', { load: 30, modelsLoaded: ['llama-8b'], inst: { launchedAt: 2000 } }),
  cand('too-small', { load: 0, inst: { launchedAt: 0, gpuMemoryGiB: 16 } }),
  cand('full', { load: 0, freeSlots: 0, modelsLoaded: ['llama-8b'], inst: { launchedAt: 0 } }),
  cand('noticed', {
    load: 0,
    modelsLoaded: ['llama-8b'],
    inst: { launchedAt: 0, noticeDeadline: 9e9 }
  }),
  cand('pending', { load: 0, inst: { launchedAt: 0, state: 'pending' } })
]
const ids = (ks: ArrayLike<number>, cs: readonly Candidate[] = fleet): (string | null)[] =>
  Array.from(ks, (k) => (k < 0 ? null : cs[k].instance.id))

describe('single-target strategies', () => {
  it('earliest-node takes the oldest instance that fits', () => {
    expect(ids([earliestNode(llama, fleet)])).toEqual(['old-busy'])
  })

  it('least-loaded takes the fewest running + waiting requests', () => {
    expect(ids([leastLoaded(llama, fleet)])).toEqual(['young-idle'])
  })

  it('warm-least-loaded prefers a loaded model, then the lighter load', () => {
    expect(ids([warmLeastLoaded(llama, fleet)])).toEqual(['warm-mid'])
    // nobody warm: falls back to least loaded
    expect(ids([warmLeastLoaded({ ...llama, model: 'qwen-7b' }, fleet)])).toEqual(['young-idle'])
  })

  it('never picks a full, too small, noticed or not-running instance', () => {
    const bad = fleet.slice(4)
    for (const s of ['earliest-node', 'least-loaded', 'warm-least-loaded', 'optimal'] as const) {
      expect(selectTarget(s, llama, bad)).toBe(-1)
    }
    expect(randomTarget(llama, bad, createRandom(1))).toBe(-1)
  })

  it('random picks among feasible candidates only, and is deterministic per seed', () => {
    const draw = (seed: number): (string | null)[] => {
      const r = createRandom(seed)
      return ids(Array.from({ length: 20 }, () => randomTarget(llama, fleet, r)))
    }
    expect(draw(7)).toEqual(draw(7))
    expect(new Set(draw(7))).toEqual(new Set(['young-idle', 'old-busy', 'warm-mid', 'warm-busy']))
    expect(draw(7)).not.toEqual(draw(8))
    expect(() => selectTarget('random', llama, fleet)).toThrow(/seeded Random/)
  })

  it('optimal (one workload) takes the cheapest move: warm beats a cold start', () => {
    expect(ids([selectTarget('optimal', llama, fleet)])).toEqual(['warm-mid'])
  })
})

describe('migrationCost', () => {
  it('adds transfer at the measured bandwidth, cold start and the price difference, in $', () => {
    const w: DisplacedWorkload = {
      model: 'm',
      gpuMemoryGiB: 10,
      stateGiB: 10,
      pricePerHour: 3600 / 3600,
      remainingSeconds: 3600
    }
    // 8 Gbit/s -> 0.9313 GiB/s; 10 GiB -> 10.737 s; cold 100 s; delay valued at $1/h; price +$0.5/h for 1 h
    const c = cand('x', { bandwidthGbps: 8, inst: { pricePerHour: 1.5 } })
    const transfer = 10 / (8e9 / 8 / 2 ** 30)
    expect(migrationCost(w, c, { coldStartSeconds: 100 })).toBeCloseTo(
      (transfer + 100) / 3600 + 0.5,
      12
    )
    expect(migrationCost(w, { ...c, modelsLoaded: ['m'] }, { coldStartSeconds: 100 })).toBeCloseTo(
      transfer / 3600 + 0.5,
      12
    )
  })

  it('shares a multi-GPU price over its slots, and is Infinity where it cannot go', () => {
    const w: DisplacedWorkload = {
      model: 'm',
      gpuMemoryGiB: 10,
      pricePerHour: 1,
      remainingSeconds: 3600
    }
    const four = cand('x', {
      modelsLoaded: ['m'],
      freeSlots: 2,
      inst: { gpus: 4, pricePerHour: 2 }
    })
    expect(migrationCost(w, four)).toBeCloseTo(-0.5, 12)
    expect(migrationCost(w, { ...four, freeSlots: 0 })).toBe(Infinity)
    expect(migrationCost({ ...w, gpuMemoryGiB: 40 }, four)).toBe(Infinity)
    expect(migrationCost({ ...w, stateGiB: 5 }, { ...four, bandwidthGbps: 0 })).toBe(Infinity)
  })
})

/** Exhaustive optimum: every workload -> instance-or-nothing map within free slots. */
function bruteForce(
  cost: Float64Array,
  rows: number,
  cols: number,
  free: number[]
): { assigned: number; total: number } {
  let best = { assigned: 0, total: 0 }
  const left = free.slice()
  const visit = (r: number, assigned: number, total: number): void => {
    if (r === rows) {
      if (assigned > best.assigned || (assigned === best.assigned && total < best.total))
        best = { assigned, total }
      return
    }
    visit(r + 1, assigned, total)
    for (let k = 0; k < cols; k++) {
      const x = cost[r * cols + k]
      if (left[k] === 0 || x === Infinity) continue
      left[k]--
      visit(r + 1, assigned + 1, total + x)
      left[k]++
    }
  }
  visit(0, 0, 0)
  return best
}

describe('optimal assignment', () => {
  it('beats greedy on a crafted pair: each workload goes where its model is warm', () => {
    const a: DisplacedWorkload = { model: 'a', gpuMemoryGiB: 10, pricePerHour: 1 }
    const b: DisplacedWorkload = { model: 'b', gpuMemoryGiB: 10, pricePerHour: 1 }
    const cs = [
      cand('old', { modelsLoaded: ['b'], inst: { launchedAt: 0, pricePerHour: 1 } }),
      cand('new', { modelsLoaded: ['a'], inst: { launchedAt: 9, pricePerHour: 1 } })
    ]
    expect(ids(placeWorkloads('earliest-node', [a, b], cs), cs)).toEqual(['old', 'new'])
    const opt = assignOptimal([a, b], cs)
    expect(ids(opt.targets, cs)).toEqual(['new', 'old'])
    expect(opt.total).toBe(0)
  })

  it('lets an instance with k free slots take up to k', () => {
    const w: DisplacedWorkload = { model: 'm', gpuMemoryGiB: 10, pricePerHour: 1 }
    const cs = [
      cand('cheap', { freeSlots: 2, inst: { pricePerHour: 0.1 } }),
      cand('dear', { freeSlots: 5, inst: { pricePerHour: 5 } })
    ]
    const opt = assignOptimal([w, w, w], cs)
    expect(ids(opt.targets, cs).sort()).toEqual(['cheap', 'cheap', 'dear'])
    expect(opt.assigned).toBe(3)
  })

  it('greedy strategies consume slots too', () => {
    const w: DisplacedWorkload = { model: 'm', gpuMemoryGiB: 10 }
    const cs = [cand('a', { freeSlots: 1, load: 0 }), cand('b', { freeSlots: 1, load: 5 })]
    expect(ids(placeWorkloads('least-loaded', [w, w, w], cs), cs)).toEqual(['a', 'b', null])
  })

  it('matches brute force on small random fleets', () => {
    const models = ['a', 'b', 'c']
    const arb = fc.record({
      workloads: fc.array(
        fc.record({
          model: fc.constantFrom(...models),
          gpuMemoryGiB: fc.constantFrom(8, 16, 24, 40),
          stateGiB: fc.constantFrom(0, 2, 30),
          pricePerHour: fc.constantFrom(0.3, 1, 2),
          remainingSeconds: fc.constantFrom(600, 3600)
        }),
        { minLength: 1, maxLength: 4 }
      ),
      candidates: fc.array(
        fc.record({
          freeSlots: fc.integer({ min: 0, max: 2 }),
          models: fc.subarray(models),
          bandwidthGbps: fc.constantFrom(1, 10, 25),
          gpuMemoryGiB: fc.constantFrom(16, 24, 48),
          gpus: fc.integer({ min: 1, max: 4 }),
          pricePerHour: fc.constantFrom(0.2, 0.9, 3.5)
        }),
        { minLength: 1, maxLength: 4 }
      )
    })
    fc.assert(
      fc.property(arb, ({ workloads, candidates }) => {
        const cs = candidates.map((c, k) =>
          cand(`c${k}`, {
            freeSlots: c.freeSlots,
            modelsLoaded: c.models,
            bandwidthGbps: c.bandwidthGbps,
            inst: { gpuMemoryGiB: c.gpuMemoryGiB, gpus: c.gpus, pricePerHour: c.pricePerHour }
          })
        )
        const opt = assignOptimal(workloads, cs)
        const cost = buildCostMatrix(workloads, cs)
        const best = bruteForce(
          cost,
          workloads.length,
          cs.length,
          cs.map((c) => c.freeSlots)
        )
        expect(opt.assigned).toBe(best.assigned)
        expect(opt.total).toBeCloseTo(best.total, 9)
        // the targets respect capacity and feasibility
        const used = new Map<number, number>()
        opt.targets.forEach((k, r) => {
          if (k < 0) return
          expect(cost[r * cs.length + k]).toBeLessThan(Infinity)
          used.set(k, (used.get(k) ?? 0) + 1)
        })
        for (const [k, n] of used) expect(n).toBeLessThanOrEqual(cs[k].freeSlots)
      }),
      { numRuns: 200, seed: 42 }
    )
  })
})
