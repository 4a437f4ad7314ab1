/**
 * Where displaced work goes when its instance is reclaimed: the prototype's target-selection
 * strategies, fed with live facts (vLLM load, loaded models, measured bandwidth) instead of
 * simulated ones. Pure functions; the only state is the seeded Random passed in for 'random'.
 */
import type { ManagedInstance } from '../../shared/fleet'
import { gbpsToGiBps } from '../checkpoint/plan'
import type { Random } from '../../shared/random'
import { solveWithCapacities } from './slots'

/** Same names as the settings' `strategy` field (src/shared/api.ts). */
export const STRATEGY_NAMES = [
  'earliest-node',
  'least-loaded',
  'warm-least-loaded',
  'random',
  'optimal'
] as const
export type StrategyName = (typeof STRATEGY_NAMES)[number]

/** Work displaced by a reclaim, looking for a new home. */
export interface DisplacedWorkload {
  model: string
  /** GPU memory the workload needs on one GPU, GiB */
  gpuMemoryGiB: number
  /** state to move (checkpoint, KV cache...), GiB; absent or 0 when it starts over */
  stateGiB?: number
  /** $/h of one slot where it ran: the baseline the price difference is measured against */
  pricePerHour?: number
  /** how long the work is expected to keep running, seconds; the horizon of the price difference */
  remainingSeconds?: number
}

/** A running instance that might take displaced work, with what we know about it right now. */
export interface Candidate {
  instance: ManagedInstance
  /** slots (GPUs) free for another model server */
  freeSlots: number
  /** running + waiting requests from vLLM's metrics */
  load: number
  modelsLoaded: readonly string[]
  /** measured link bandwidth into this instance, Gbit/s */
  bandwidthGbps: number
}

export interface CostOptions {
  /** model download + vLLM start when the model is not loaded, seconds */
  coldStartSeconds?: number
  /** used when a workload has no remainingSeconds */
  defaultRemainingSeconds?: number
  /** $ value of one hour of the workload not serving; default its own price (see migrationCost) */
  delayCostPerHour?: number
}

export const DEFAULT_COLD_START_SECONDS = 120
export const DEFAULT_REMAINING_SECONDS = 3600

/** Index of the chosen candidate for each workload, -1 when none can take it. */
export type Placement = Int32Array

export function isWarm(w: DisplacedWorkload, c: Candidate): boolean {
  return c.modelsLoaded.includes(w.model)
}

/** A candidate can take the workload: running, not itself under notice, a free slot, enough memory. */
export function fits(w: DisplacedWorkload, c: Candidate, freeSlots = c.freeSlots): boolean {
  const i = c.instance
  return (
    freeSlots > 0 &&
    i.state === 'running' &&
    i.noticeDeadline === undefined &&
    i.gpuMemoryGiB >= w.gpuMemoryGiB
  )
}

/** $/h of one slot of an instance: its price shared over its GPUs. */
export function slotPricePerHour(i: ManagedInstance): number {
  return i.pricePerHour / Math.max(1, i.gpus)
}

/**
 * Expected $ of moving a workload onto a candidate, Infinity when it cannot go there.
 * One unit for everything: the set-up delay (state transfer at the measured bandwidth, plus a cold
 * start when the model is not loaded) is priced at what an hour of the workload is worth (default
 * the price of the slot it had: what the operator was paying for that service), and the price
 * difference of the new slot is paid over the expected remaining time. Negative when the new slot
 * is cheaper; the solver accepts that.
 */
export function migrationCost(
  w: DisplacedWorkload,
  c: Candidate,
  options: CostOptions = {},
  freeSlots = c.freeSlots
): number {
  if (!fits(w, c, freeSlots)) return Infinity
  const state = w.stateGiB ?? 0
  const bandwidth = gbpsToGiBps(c.bandwidthGbps)
  if (state > 0 && !(bandwidth > 0)) return Infinity // state that cannot move: no home here
  const transferSeconds = state > 0 ? state / bandwidth : 0
  const coldSeconds = isWarm(w, c) ? 0 : (options.coldStartSeconds ?? DEFAULT_COLD_START_SECONDS)
  const slotPrice = slotPricePerHour(c.instance)
  const delayValue = options.delayCostPerHour ?? w.pricePerHour ?? slotPrice
  const remaining =
    w.remainingSeconds ?? options.defaultRemainingSeconds ?? DEFAULT_REMAINING_SECONDS
  const priceDelta = slotPrice - (w.pricePerHour ?? slotPrice)
  return ((transferSeconds + coldSeconds) * delayValue + remaining * priceDelta) / 3600
}

/** Workloads x candidates cost matrix, row-major. */
export function buildCostMatrix(
  workloads: readonly DisplacedWorkload[],
  candidates: readonly Candidate[],
  options: CostOptions = {}
): Float64Array {
  const cols = candidates.length
  const cost = new Float64Array(workloads.length * cols)
  for (let r = 0; r < workloads.length; r++) {
    for (let k = 0; k < cols; k++)
      cost[r * cols + k] = migrationCost(workloads[r], candidates[k], options)
  }
  return cost
}

// ---- single-workload pickers: index of the best feasible candidate, -1 when none ----

type Key = (c: Candidate, k: number) => number

/** Lowest key among feasible candidates; ties go to the earlier index, so choices are stable. */
function argmin(
  w: DisplacedWorkload,
  cands: readonly Candidate[],
  free: Int32Array,
  key: Key
): number {
  let best = -1
  let bestKey = Infinity
  for (let k = 0; k < cands.length; k++) {
    if (!fits(w, cands[k], free[k])) continue
    const v = key(cands[k], k)
    if (best < 0 || v < bestKey) {
      best = k
      bestKey = v
    }
  }
  return best
}

const byLaunch: Key = (c) => c.instance.launchedAt
const byLoad: Key = (c) => c.load

function pickWarmLeastLoaded(
  w: DisplacedWorkload,
  cands: readonly Candidate[],
  free: Int32Array
): number {
  // Warm first: a loaded model saves minutes of cold start, worth more than any queue difference.
  const warm = argmin(w, cands, free, (c) => (isWarm(w, c) ? c.load : Infinity))
  return warm >= 0 && isWarm(w, cands[warm]) ? warm : argmin(w, cands, free, byLoad)
}

function pickRandom(
  w: DisplacedWorkload,
  cands: readonly Candidate[],
  free: Int32Array,
  random: Random
): number {
  const feasible: number[] = []
  for (let k = 0; k < cands.length; k++) if (fits(w, cands[k], free[k])) feasible.push(k)
  if (feasible.length === 0) return -1
  return feasible[Math.min(feasible.length - 1, Math.floor(random.next() * feasible.length))]
}

function pickOne(
  strategy: StrategyName,
  w: DisplacedWorkload,
  cands: readonly Candidate[],
  free: Int32Array,
  random: Random | undefined,
  options: CostOptions
): number {
  switch (strategy) {
    case 'earliest-node':
      return argmin(w, cands, free, byLaunch)
    case 'least-loaded':
      return argmin(w, cands, free, byLoad)
    case 'warm-least-loaded':
      return pickWarmLeastLoaded(w, cands, free)
    case 'random':
      if (!random) throw new Error("strategy 'random' needs a seeded Random (createRandom)")
      return pickRandom(w, cands, free, random)
    case 'optimal': {
      const k = argmin(w, cands, free, (c, i) => migrationCost(w, c, options, free[i]))
      return k >= 0 && migrationCost(w, cands[k], options, free[k]) < Infinity ? k : -1
    }
  }
}

function freeSlotsOf(candidates: readonly Candidate[]): Int32Array {
  return Int32Array.from(candidates, (c) => Math.max(0, Math.floor(c.freeSlots)))
}

export function earliestNode(w: DisplacedWorkload, candidates: readonly Candidate[]): number {
  return argmin(w, candidates, freeSlotsOf(candidates), byLaunch)
}

export function leastLoaded(w: DisplacedWorkload, candidates: readonly Candidate[]): number {
  return argmin(w, candidates, freeSlotsOf(candidates), byLoad)
}

export function warmLeastLoaded(w: DisplacedWorkload, candidates: readonly Candidate[]): number {
  return pickWarmLeastLoaded(w, candidates, freeSlotsOf(candidates))
}

export function randomTarget(
  w: DisplacedWorkload,
  candidates: readonly Candidate[],
  random: Random
): number {
  return pickRandom(w, candidates, freeSlotsOf(candidates), random)
}

/** One workload, any strategy ('optimal' is the cheapest single move). */
export function selectTarget(
  strategy: StrategyName,
  w: DisplacedWorkload,
  candidates: readonly Candidate[],
  options: CostOptions & { random?: Random } = {}
): number {
  return pickOne(strategy, w, candidates, freeSlotsOf(candidates), options.random, options)
}

export interface OptimalPlacement {
  targets: Placement
  /** sum of the migration costs of the placed workloads, $ */
  total: number
  assigned: number
}

/**
 * Several workloads at once: maximum number placed, then minimum total migration cost; an
 * instance with k free slots takes up to k. Solved exactly (assignment on slot columns).
 */
export function assignOptimal(
  workloads: readonly DisplacedWorkload[],
  candidates: readonly Candidate[],
  options: CostOptions = {}
): OptimalPlacement {
  const cost = buildCostMatrix(workloads, candidates, options)
  const result = solveWithCapacities(
    cost,
    workloads.length,
    candidates.length,
    freeSlotsOf(candidates)
  )
  return { targets: result.taskToInstance, total: result.total, assigned: result.assigned }
}

/**
 * Several workloads with any strategy: 'optimal' solves them jointly, the others place them one by
 * one in the given order, each taking a slot the next ones can no longer use.
 */
export function placeWorkloads(
  strategy: StrategyName,
  workloads: readonly DisplacedWorkload[],
  candidates: readonly Candidate[],
  options: CostOptions & { random?: Random } = {}
): Placement {
  if (strategy === 'optimal') return assignOptimal(workloads, candidates, options).targets
  const free = freeSlotsOf(candidates)
  return Int32Array.from(workloads, (w) => {
    const k = pickOne(strategy, w, candidates, free, options.random, options)
    if (k >= 0) free[k]--
    return k
  })
}
