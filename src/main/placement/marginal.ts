/**
 * The marginal-cost placement objective (issue 10, item 5): what placing a task adds to the bill.
 *
 * Capacity already paid for is free until it would otherwise be released: a free slot on a live
 * instance costs only the extension of that instance's life past the moment it would have been
 * released anyway (its last task done plus the idle-release wait), at the whole instance's price.
 * A fresh launch costs its whole instance for the whole time the task keeps it (boot, cold start,
 * state fetch, the remaining work and the idle tail), at least the 60 s minimum AWS bills.
 * Lives are expected values under a constant reclaim hazard: a spot instance may be reclaimed
 * before its planned release, and then bills only until the reclaim.
 */
import { solveWithCapacities } from './slots'

/** AWS bills a Linux instance per second, at least 60 s (src/main/billing applies the same rule). */
export const MINIMUM_BILLED_SECONDS = 60

/**
 * Expected billed seconds of a life planned to last `seconds` from now when it may be reclaimed
 * first at `hazardPerHour` (exponential): E[min(seconds, X)] = (1 − e^(−λ·seconds)) / λ.
 */
export function expectedLifeSeconds(seconds: number, hazardPerHour: number): number {
  if (!(seconds > 0)) return 0
  const rate = hazardPerHour / 3600
  if (!(rate > 0)) return seconds
  return -Math.expm1(-rate * seconds) / rate
}

/**
 * Expected billed seconds of a fresh life planned to last `seconds`, with the 60 s minimum:
 * E[max(60, min(seconds, X))] = 60 + P(X > 60) · E[min(seconds − 60, X')] (memoryless).
 */
export function expectedFreshBilledSeconds(seconds: number, hazardPerHour: number): number {
  const m = MINIMUM_BILLED_SECONDS
  if (!(seconds > m)) return m
  return m + Math.exp((-hazardPerHour / 3600) * m) * expectedLifeSeconds(seconds - m, hazardPerHour)
}

/** A live (or launching) instance with free slots, as the bill sees it. */
export interface PaidInstance {
  /** price of the whole instance now, $/h */
  pricePerHour: number
  /** seconds from now until it would be released with nothing more placed on it (≥ 0) */
  releaseInSeconds: number
  /** reclaim hazard, per hour (0 on-demand) */
  hazardPerHour: number
}

/** An instance type that could be launched for a task, as the bill sees it. */
export interface LaunchOption {
  /** price of the whole instance now, $/h */
  pricePerHour: number
  hazardPerHour: number
}

/**
 * $ a task adds by keeping `instance` busy until `busyForSeconds` from now (its last second of
 * work plus the idle-release wait): zero while that is inside the life already paid for.
 */
export function extensionCost(instance: PaidInstance, busyForSeconds: number): number {
  const paid = Math.max(0, instance.releaseInSeconds)
  if (!(busyForSeconds > paid)) return 0
  const extra =
    expectedLifeSeconds(busyForSeconds, instance.hazardPerHour) -
    expectedLifeSeconds(paid, instance.hazardPerHour)
  return (instance.pricePerHour * extra) / 3600
}

/** $ of launching `option` for one task that keeps it for `busyForSeconds` (boot included). */
export function launchCost(option: LaunchOption, busyForSeconds: number): number {
  return (
    (option.pricePerHour * expectedFreshBilledSeconds(busyForSeconds, option.hazardPerHour)) / 3600
  )
}

/** Displaced tasks against open instances and launch options, in seconds from now. */
export interface MarginalProblem {
  tasks: number
  instances: readonly PaidInstance[]
  /** free slots of each instance */
  freeSlots: ArrayLike<number>
  options: readonly LaunchOption[]
  /**
   * tasks × instances, row-major: seconds from now until the task's work would be done on that
   * instance (wait + cold start + state fetch + remaining work); Infinity where it may not go
   */
  doneOnInstance: Float64Array
  /** tasks × options, row-major: the same on a fresh launch (boot included); Infinity where it may not */
  doneOnLaunch: Float64Array
  /** an instance stays billed this long after its last task before it is released, seconds */
  idleReleaseSeconds: number
}

export interface MarginalPlacement {
  /** instance taken by each task, -1 when it launches or stays unplaced */
  instance: Int32Array
  /** option launched for each task, -1 when it takes an instance or stays unplaced */
  launch: Int32Array
  /** marginal $ charged for each task's choice (0 when unplaced) */
  cost: Float64Array
  /** sum of `cost` */
  total: number
}

/**
 * Places every task that can go somewhere (maximum number placed), then minimises the summed
 * marginal cost, solved exactly as an assignment: one column per free slot, plus a launch
 * pseudo-instance with a slot per task priced at the task's cheapest launch option.
 *
 * Each task is charged the extension it alone would cause. When two tasks placed on one instance
 * both outlast its paid life, the bill is the longer extension, not the sum: the objective then
 * over-charges sharing (an upper bound, exact when at most one task per instance extends it).
 */
export function placeByMarginalCost(p: MarginalProblem): MarginalPlacement {
  const n = p.tasks
  const m = p.instances.length
  const k = p.options.length
  if (p.doneOnInstance.length !== n * m)
    throw new Error(
      `placeByMarginalCost: doneOnInstance has ${p.doneOnInstance.length} entries, expected ${n} * ${m}`
    )
  if (p.doneOnLaunch.length !== n * k)
    throw new Error(
      `placeByMarginalCost: doneOnLaunch has ${p.doneOnLaunch.length} entries, expected ${n} * ${k}`
    )
  const cols = m + 1
  const cost = new Float64Array(n * cols)
  const bestOption = new Int32Array(n).fill(-1)
  const tail = p.idleReleaseSeconds
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < m; c++) {
      const done = p.doneOnInstance[r * m + c]
      cost[r * cols + c] = Number.isFinite(done)
        ? extensionCost(p.instances[c], done + tail)
        : Infinity
    }
    let best = Infinity
    for (let o = 0; o < k; o++) {
      const done = p.doneOnLaunch[r * k + o]
      if (!Number.isFinite(done)) continue
      const c = launchCost(p.options[o], done + tail)
      if (c < best) {
        best = c
        bestOption[r] = o
      }
    }
    cost[r * cols + m] = best
  }
  const capacities = new Int32Array(cols)
  for (let c = 0; c < m; c++) capacities[c] = p.freeSlots[c]
  capacities[m] = n
  const solved = solveWithCapacities(cost, n, cols, capacities)
  const instance = new Int32Array(n).fill(-1)
  const launch = new Int32Array(n).fill(-1)
  const charged = new Float64Array(n)
  let total = 0
  for (let r = 0; r < n; r++) {
    const c = solved.taskToInstance[r]
    if (c < 0) continue
    if (c < m) instance[r] = c
    else launch[r] = bestOption[r]
    charged[r] = cost[r * cols + c]
    total += charged[r]
  }
  return { instance, launch, cost: charged, total }
}
