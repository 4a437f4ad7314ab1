import { describe, expect, it } from 'vitest'
import { createRandom } from '../../shared/random'
import { planOmniscient, type OmniscientInput, type OmniscientPlan } from './omniscient'

/** A planner input from per-interval lengths, per-zone availability strings ('1' = spot) and prices. */
function market(
  lengths: number[],
  available: string[],
  spotPerHour: number[][],
  job: { C: number; d: number; onDemand?: number }
): OmniscientInput {
  const K = lengths.length
  const zones = available.length
  const spotAvailable = new Uint8Array(K * zones)
  const spotCost = new Float64Array(K * zones)
  for (let k = 0; k < K; k++)
    for (let z = 0; z < zones; z++) {
      spotAvailable[k * zones + z] = available[z][k] === '1' ? 1 : 0
      spotCost[k * zones + z] = (spotPerHour[z][k] * lengths[k]) / 3600
    }
  return {
    lengths: Float64Array.from(lengths),
    zones,
    spotAvailable,
    spotCost,
    onDemandPrice: job.onDemand ?? 3600,
    computeSeconds: job.C,
    changeoverSeconds: job.d
  }
}

/**
 * The continuous-time optimum by brute force on a one-second grid: every per-second choice of idle,
 * on-demand or an available spot zone; a life is a maximal run of one choice; it does its length
 * minus d of work. With whole-second intervals, C and d the continuous optimum sits on this grid
 * (the one off-grid endpoint lands at S - lost time, a whole number of seconds).
 */
function bruteForce(input: OmniscientInput): number {
  const { lengths, zones } = input
  const seconds: { interval: number }[] = []
  lengths.forEach((len, k) => {
    for (let s = 0; s < len; s++) seconds.push({ interval: k })
  })
  const T = seconds.length
  const M = zones + 2
  const choice = new Int32Array(T)
  let best = Infinity
  const rate = (t: number, m: number): number => {
    const k = seconds[t].interval
    return m === 1 ? input.onDemandPrice / 3600 : input.spotCost[k * zones + m - 2] / lengths[k]
  }
  const allowed = (t: number, m: number): boolean =>
    m <= 1 || input.spotAvailable[seconds[t].interval * zones + m - 2] === 1
  const search = (t: number, cost: number): void => {
    if (cost >= best) return
    if (t === T) {
      let work = 0
      let run = 0
      for (let i = 0; i <= T; i++) {
        if (i < T && choice[i] !== 0 && (i === 0 || choice[i] === choice[i - 1])) run++
        else {
          if (run > 0) work += Math.max(0, run - input.changeoverSeconds)
          run = i < T && choice[i] !== 0 ? 1 : 0
        }
      }
      if (work >= input.computeSeconds - 1e-9) best = cost
      return
    }
    for (let m = 0; m < M; m++) {
      if (!allowed(t, m)) continue
      choice[t] = m
      search(t + 1, cost + (m === 0 ? 0 : rate(t, m)))
    }
  }
  search(0, 0)
  return best
}

/** Checks a plan against the market it came from: lives inside spot windows, no overlap, enough work by the deadline, cost re-added. */
function checkPlan(input: OmniscientInput, plan: OmniscientPlan): void {
  const starts: number[] = [0]
  for (const len of input.lengths) starts.push(starts[starts.length - 1] + len)
  const R = starts[starts.length - 1]
  let work = 0
  let cost = 0
  let previousEnd = 0
  for (const life of plan.lives) {
    expect(life.start).toBeGreaterThanOrEqual(previousEnd - 1e-9)
    expect(life.end).toBeGreaterThan(life.start)
    expect(life.end).toBeLessThanOrEqual(R + 1e-9)
    previousEnd = life.end
    work += life.end - life.start - input.changeoverSeconds
    for (let k = 0; k < input.lengths.length; k++) {
      const overlap = Math.min(life.end, starts[k + 1]) - Math.max(life.start, starts[k])
      if (overlap <= 1e-9) continue
      if (life.market === 'spot') {
        expect(input.spotAvailable[k * input.zones + life.zone]).toBe(1)
        cost += (input.spotCost[k * input.zones + life.zone] * overlap) / input.lengths[k]
      } else cost += (input.onDemandPrice * overlap) / 3600
    }
  }
  expect(work).toBeCloseTo(input.computeSeconds, 6)
  expect(cost).toBeCloseTo(plan.cost, 6)
}

describe('omniscient plan', () => {
  it('with no spot, runs on-demand once: C + d at the on-demand price', () => {
    const input = market([4, 4, 4], ['000'], [[1, 1, 1]], { C: 7, d: 2 })
    const plan = planOmniscient(input)!
    expect(plan.cost).toBeCloseTo(9, 9) // $3600/h = $1/s, for 7 + 2 s
    expect(plan.lives).toHaveLength(1)
    expect(plan.lives[0].market).toBe('ondemand')
    checkPlan(input, plan)
  })

  it('is null when even on-demand from the start cannot make the deadline', () => {
    expect(planOmniscient(market([4, 4], ['11'], [[1, 1]], { C: 7, d: 2 }))).toBeNull()
  })

  it('starts a spot life inside an interval when the spot window ends at a boundary', () => {
    // spot ($0.5/s... $1800/h) in intervals 0-1 only, on-demand $1/s; C = 5, d = 1, R = 12. Best:
    // spot for 6 s ending at 8 (start at 2, inside interval 0), cost 3; a grid-aligned start at 0
    // would pay 8 s of spot = 4.
    const input = market([4, 4, 4], ['110'], [[1800, 1800, 1800]], { C: 5, d: 1 })
    const plan = planOmniscient(input)!
    expect(plan.cost).toBeCloseTo(3, 9)
    expect(plan.lives).toEqual([{ market: 'spot', zone: 0, start: 2, end: 8, cost: 3 }])
    checkPlan(input, plan)
  })

  it('pays a changeover only when switching saves more than it costs', () => {
    // Zone a is cheap but only for the first 4 s; on-demand or zone b afterwards.
    const input = market(
      [4, 4, 4],
      ['100', '111'],
      [
        [360, 360, 360],
        [1800, 1800, 1800]
      ],
      { C: 8, d: 1 }
    )
    const plan = planOmniscient(input)!
    expect(plan.cost).toBeCloseTo(bruteForce(input), 9)
    checkPlan(input, plan)
  })

  it('matches brute force over every per-second schedule on random small markets', () => {
    const random = createRandom(7)
    const draw = (n: number): number => Math.floor(random.next() * n)
    let checked = 0
    for (let trial = 0; trial < 60; trial++) {
      const zones = 1 + draw(2)
      const K = 2 + draw(3)
      const lengths = Array.from({ length: K }, () => 2 + draw(3))
      const R = lengths.reduce((a, b) => a + b, 0)
      if (zones === 2 && R > 11) continue // keeps the search at a few million leaves
      if (zones === 1 && R > 13) continue
      const d = draw(3)
      const C = 1 + draw(Math.max(1, R - d))
      const available = Array.from({ length: zones }, () =>
        Array.from({ length: K }, () => (random.next() < 0.6 ? '1' : '0')).join('')
      )
      const prices = Array.from({ length: zones }, () =>
        Array.from({ length: K }, () => 3600 * (0.1 + 0.8 * random.next()))
      )
      const input = market(lengths, available, prices, { C, d })
      const plan = planOmniscient(input)
      const brute = bruteForce(input)
      if (!Number.isFinite(brute)) {
        expect(plan).toBeNull()
        checked++
        continue
      }
      expect(plan, JSON.stringify({ lengths, available, C, d })).not.toBeNull()
      expect(plan!.cost, JSON.stringify({ lengths, available, prices, C, d })).toBeCloseTo(brute, 6)
      checkPlan(input, plan!)
      checked++
    }
    // most draws are searched (the rest are too large for brute force or infeasible)
    expect(checked).toBeGreaterThan(25)
  })
})
