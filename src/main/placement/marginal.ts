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
  /** GPUs (slots): an option with several may take several of the tasks at once */
  gpus: number
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
  /** 1 where the task shares one fresh instance of its option with the other tasks so marked */
  shared: Uint8Array
  /**
   * $ each task's choice adds to the bill; where tasks share an instance, its whole extension is
   * charged to the one that keeps it longest, the others 0 (0 when unplaced)
   */
  cost: Float64Array
  /** what the placement adds to the bill, $: the sum of `cost` */
  total: number
}

/** Re-solves after the first, each pricing a task against what the others already placed cause. */
const REFINEMENTS = 4

/**
 * Places every task that can go somewhere (maximum number placed), then minimises what the
 * placement adds to the bill. Columns: each open instance (its free slots), one fresh instance per
 * multi-GPU launch option that several tasks may share, and a launch of its own for every task
 * (its cheapest option).
 *
 * The bill of an instance is set by the task that keeps it longest: tasks sharing it pay the longer
 * extension once, not each their own, which a sum over cells cannot express. So the assignment is
 * solved from two starts, one charging every task the extension it alone causes (an upper bound:
 * exact when at most one task per instance outlasts its paid life), one letting the tasks that fit
 * a multi-slot instance split it; from each, re-solves charge a task only what it adds past the
 * tasks placed with it in the previous solution. Every solution is scored at its true bill and the
 * cheapest kept: exact for one task, a heuristic (never worse than the upper-bound start) beyond.
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
  const tail = p.idleReleaseSeconds
  const sharable: number[] = []
  for (let o = 0; o < k; o++) if (p.options[o].gpus > 1) sharable.push(o)
  const s = sharable.length
  const cols = m + s + 1
  const solo = m + s
  // busy[r * cols + c]: seconds from now the task keeps column c's instance billed (work + idle tail)
  const busy = new Float64Array(n * cols).fill(Infinity)
  const bestOption = new Int32Array(n).fill(-1)
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < m; c++) busy[r * cols + c] = p.doneOnInstance[r * m + c] + tail
    for (let v = 0; v < s; v++) busy[r * cols + m + v] = p.doneOnLaunch[r * k + sharable[v]] + tail
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
    if (bestOption[r] >= 0) busy[r * cols + solo] = p.doneOnLaunch[r * k + bestOption[r]] + tail
  }
  /** $ of column c's instance kept busy for `until` seconds (0: not kept at all) */
  const bill = (c: number, until: number, r: number): number => {
    if (c < m) return extensionCost(p.instances[c], until)
    if (!(until > 0)) return 0
    return launchCost(p.options[c < solo ? sharable[c - m] : bestOption[r]], until)
  }
  const capacities = new Int32Array(cols)
  for (let c = 0; c < m; c++) capacities[c] = p.freeSlots[c]
  for (let v = 0; v < s; v++) capacities[m + v] = p.options[sharable[v]].gpus
  capacities[solo] = n

  const cost = new Float64Array(n * cols)
  let best: { columns: Int32Array; total: number } | null = null
  /** Solves at the current costs, keeps the solution if its true bill is the cheapest yet. */
  const solve = (): { columns: Int32Array; better: boolean } => {
    const columns = solveWithCapacities(cost, n, cols, capacities).taskToInstance
    const total = trueBill(columns).total
    const better = !best || total < best.total - 1e-12
    if (better) best = { columns, total }
    return { columns, better }
  }
  /** Re-solves, pricing each task against the others placed with it, while the bill falls. */
  const refine = (start: Int32Array): void => {
    if (n < 2) return // one task: the first solve is exact
    let current = start
    for (let round = 0; round < REFINEMENTS; round++) {
      // per column, the longest and second-longest busy time of the tasks on it
      const first = new Float64Array(cols)
      const second = new Float64Array(cols)
      const longest = new Int32Array(cols).fill(-1)
      for (let r = 0; r < n; r++) {
        const c = current[r]
        if (c < 0 || c === solo) continue
        const b = busy[r * cols + c]
        if (b > first[c]) {
          second[c] = first[c]
          first[c] = b
          longest[c] = r
        } else if (b > second[c]) second[c] = b
      }
      for (let r = 0; r < n; r++)
        for (let c = 0; c < cols; c++) {
          const b = busy[r * cols + c]
          const others = c === solo ? 0 : longest[c] === r ? second[c] : first[c]
          cost[r * cols + c] = Number.isFinite(b)
            ? bill(c, Math.max(others, b), r) - bill(c, others, r)
            : Infinity
        }
      const next = solve()
      if (!next.better) return
      current = next.columns
    }
  }

  // Start 1, pessimistic: every task pays the extension it alone causes.
  const pessimistic = (): void => {
    for (let r = 0; r < n; r++)
      for (let c = 0; c < cols; c++) {
        const b = busy[r * cols + c]
        cost[r * cols + c] = Number.isFinite(b) ? bill(c, b, r) : Infinity
      }
  }
  pessimistic()
  refine(solve().columns)
  // Start 2, optimistic: the tasks that fit an instance with several slots split its extension.
  pessimistic()
  let sharing = false
  for (let c = 0; c < solo; c++) {
    let fitting = 0
    for (let r = 0; r < n; r++) if (Number.isFinite(busy[r * cols + c])) fitting++
    const split = Math.min(capacities[c], fitting)
    if (split < 2) continue
    sharing = true
    for (let r = 0; r < n; r++) cost[r * cols + c] /= split
  }
  if (sharing) refine(solve().columns)

  /** The bill of a solution: each shared instance charged once, to its longest-busy task. */
  function trueBill(columns: Int32Array): { charged: Float64Array; total: number } {
    const charged = new Float64Array(n)
    const leader = new Int32Array(cols).fill(-1)
    for (let r = 0; r < n; r++) {
      const c = columns[r]
      if (c < 0) continue
      if (c === solo) charged[r] = bill(c, busy[r * cols + c], r)
      else if (leader[c] < 0 || busy[r * cols + c] > busy[leader[c] * cols + c]) leader[c] = r
    }
    let total = 0
    for (let c = 0; c < solo; c++)
      if (leader[c] >= 0) charged[leader[c]] = bill(c, busy[leader[c] * cols + c], leader[c])
    for (let r = 0; r < n; r++) total += charged[r]
    return { charged, total }
  }

  const columns = best!.columns
  const instance = new Int32Array(n).fill(-1)
  const launch = new Int32Array(n).fill(-1)
  const shared = new Uint8Array(n)
  for (let r = 0; r < n; r++) {
    const c = columns[r]
    if (c < 0) continue
    if (c < m) instance[r] = c
    else if (c < solo) {
      launch[r] = sharable[c - m]
      shared[r] = 1
    } else launch[r] = bestOption[r]
  }
  const { charged, total } = trueBill(columns)
  return { instance, launch, shared, cost: charged, total }
}
