import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { expandSlots, solveWithCapacities } from './slots'

/** Exhaustive optimum over every task -> instance-or-nothing map within capacities. */
function bruteForce(
  cost: Float64Array,
  tasks: number,
  instances: number,
  capacities: number[]
): { assigned: number; total: number } {
  const left = capacities.slice()
  let bestCount = 0
  let bestTotal = 0
  const visit = (t: number, count: number, total: number): void => {
    if (t === tasks) {
      if (count > bestCount || (count === bestCount && total < bestTotal)) {
        bestCount = count
        bestTotal = total
      }
      return
    }
    visit(t + 1, count, total)
    for (let k = 0; k < instances; k++) {
      const x = cost[t * instances + k]
      if (left[k] === 0 || x === Infinity) continue
      left[k]--
      visit(t + 1, count + 1, total + x)
      left[k]++
    }
  }
  visit(0, 0, 0)
  return { assigned: bestCount, total: bestTotal }
}

describe('expandSlots', () => {
  it('maps each slot column to its instance', () => {
    expect(Array.from(expandSlots([2, 0, 3, 1]))).toEqual([0, 0, 2, 2, 2, 3])
  })

  it('handles no instances and no capacity', () => {
    expect(expandSlots([]).length).toBe(0)
    expect(expandSlots(new Int32Array([0, 0])).length).toBe(0)
  })

  it('rejects negative, fractional and non-finite capacities', () => {
    expect(() => expandSlots([1, -1])).toThrow(/instance 1 must be a non-negative integer/)
    expect(() => expandSlots([1.5])).toThrow(/non-negative integer/)
    expect(() => expandSlots([NaN])).toThrow(/non-negative integer/)
    expect(() => expandSlots([Infinity])).toThrow(/non-negative integer/)
  })
})

describe('solveWithCapacities', () => {
  it('packs tasks onto the cheapest instance up to its capacity', () => {
    // Instance 0 is cheapest for everyone but has 2 slots; the dearest-to-move task goes to 1.
    const cost = Float64Array.of(1, 5, 1, 2, 1, 9)
    const r = solveWithCapacities(cost, 3, 2, [2, 5])
    expect(Array.from(r.taskToInstance)).toEqual([0, 1, 0])
    expect(r.total).toBe(4)
    expect(r.assigned).toBe(3)
  })

  it('leaves tasks unplaced when slots run out', () => {
    const r = solveWithCapacities(Float64Array.of(3, 1, 2), 3, 1, [2])
    expect(Array.from(r.taskToInstance)).toEqual([-1, 0, 0])
    expect(r.total).toBe(3)
  })

  it('respects forbidden cells and zero-capacity instances', () => {
    const I = Infinity
    const r = solveWithCapacities(Float64Array.of(I, 1, 0, 2, I, 0), 2, 3, [1, 1, 0])
    expect(Array.from(r.taskToInstance)).toEqual([1, 0])
    expect(r.total).toBe(3)
  })

  it('copes with huge advertised capacities', () => {
    const r = solveWithCapacities(Float64Array.of(1, 2, 1, 2, 1, 2), 3, 2, [1_000_000_000, 1])
    expect(Array.from(r.taskToInstance)).toEqual([0, 0, 0])
    expect(r.total).toBe(3)
  })

  it('handles empty inputs', () => {
    expect(solveWithCapacities(new Float64Array(0), 0, 3, [1, 2, 3]).taskToInstance.length).toBe(0)
    const r = solveWithCapacities(new Float64Array(0), 2, 0, [])
    expect(Array.from(r.taskToInstance)).toEqual([-1, -1])
    expect(r.total).toBe(0)
  })

  it('rejects malformed input', () => {
    expect(() => solveWithCapacities(new Float64Array(5), 2, 3, [1, 1, 1])).toThrow(
      /expected tasks \* instances/
    )
    expect(() => solveWithCapacities(new Float64Array(6), 2, 3, [1, 1])).toThrow(
      /2 capacities for 3 instances/
    )
    expect(() => solveWithCapacities(new Float64Array(6), 2, 3, [1, -2, 1])).toThrow(/instance 1/)
    // NaN on an instance with no free slot is still reported.
    expect(() => solveWithCapacities(Float64Array.of(1, NaN), 1, 2, [1, 0])).toThrow(
      /task 0 on instance 1 is NaN/
    )
  })

  it('matches brute force on small random fleets', () => {
    const arb = fc
      .record({
        tasks: fc.integer({ min: 0, max: 6 }),
        instances: fc.integer({ min: 0, max: 4 }),
        real: fc.boolean(),
        forbidRate: fc.constantFrom(0, 0.2, 0.5)
      })
      .chain(({ tasks, instances, real, forbidRate }) =>
        fc.record({
          tasks: fc.constant(tasks),
          instances: fc.constant(instances),
          capacities: fc.array(fc.integer({ min: 0, max: 3 }), {
            minLength: instances,
            maxLength: instances
          }),
          cells: fc.array(
            fc.tuple(
              real
                ? fc.double({ min: -10, max: 10, noNaN: true })
                : fc.integer({ min: -3, max: 9 }),
              fc.double({ min: 0, max: 1, noNaN: true })
            ),
            { minLength: tasks * instances, maxLength: tasks * instances }
          ),
          forbidRate: fc.constant(forbidRate)
        })
      )
    fc.assert(
      fc.property(arb, ({ tasks, instances, capacities, cells, forbidRate }) => {
        const cost = Float64Array.from(cells, ([x, p]) => (p < forbidRate ? Infinity : x))
        const r = solveWithCapacities(cost, tasks, instances, capacities)
        const used = new Array<number>(instances).fill(0)
        let count = 0
        let total = 0
        for (let t = 0; t < tasks; t++) {
          const k = r.taskToInstance[t]
          if (k === -1) continue
          expect(cost[t * instances + k]).not.toBe(Infinity)
          used[k]++
          count++
          total += cost[t * instances + k]
        }
        for (let k = 0; k < instances; k++) expect(used[k]).toBeLessThanOrEqual(capacities[k])
        const best = bruteForce(cost, tasks, instances, capacities)
        expect(count).toBe(best.assigned)
        expect(r.assigned).toBe(best.assigned)
        expect(Math.abs(total - best.total)).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(best.total))
        )
        expect(Math.abs(r.total - total)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(total)))
      }),
      { numRuns: 500 }
    )
  })
})
