import type { MigrationStrategy, SimulationConfig } from '../../shared/simulation'
import { placeByMarginalCost, type LaunchOption, type PaidInstance } from '../placement/marginal'

/** A running (or launching) instance with free GPU slots that displaced work could move to. */
export interface OpenSlot {
  instance: number
  free: number
  spot: boolean
  gpuMemoryGiB: number
  /** price of the whole instance now, $/h (what its life costs, whichever slots are used) */
  instancePricePerHour: number
  bandwidthGiBps: number
  /** until the instance is ready, seconds */
  waitSeconds: number
  /** seconds from now until it would be released with nothing more placed (last task done + idle release) */
  releaseInSeconds: number
  /** reclaim hazard per hour (0 on-demand) */
  hazardPerHour: number
  hasModel(model: number): boolean
}

/** An instance that could be launched for a displaced task: one per type (and zone, for spot). */
export interface LaunchChoice {
  type: number
  zone: number
  spot: boolean
  /** price of the whole instance now, $/h */
  pricePerHour: number
  gpus: number
  gpuMemoryGiB: number
  bandwidthGiBps: number
  hazardPerHour: number
}

/** A task displaced by a reclaim, looking for a new home. */
export interface DisplacedTask {
  spot: boolean
  gpuMemoryGiB: number
  /** checkpoint to fetch, GiB (0 when starting over) */
  stateGiB: number
  model: number
  remainingSeconds: number
  /** a fresh instance of its market can be launched for it now */
  launchable: boolean
}

/** The engine's times that enter the bill of a placement, seconds. */
export interface MigrationTimes {
  coldStartSeconds: number
  /** boot and set-up of a fresh instance (covers its first model's load) */
  changeoverSeconds: number
  idleReleaseSeconds: number
}

/** Placement target: an instance index, LAUNCH_FRESH, or NO_PLACE (wait for capacity). */
export const LAUNCH_FRESH = -2
export const NO_PLACE = -1

export interface MigrationPlan {
  /** per task: an instance, LAUNCH_FRESH or NO_PLACE */
  targets: Int32Array
  /** per task launching fresh: the index of the LaunchChoice to launch, -1 for the engine's own choice */
  launch: Int32Array
  /** 1 where the task shares one fresh instance of its LaunchChoice with the others so marked */
  shared: Uint8Array
  /**
   * first-fit's rule for launches: a task launching fresh first takes a free slot that fits on an
   * instance launched earlier in the same pass (a bin opened for an earlier item), in launch order
   */
  fillFresh: boolean
}

/** The reclaim hazard the objective expects of a spot instance: the synthetic market's rate, 0 on a trace. */
export function expectedHazardPerHour(market: SimulationConfig['market']): number {
  if (market.kind !== 'synthetic') return 0 // a trace reclaims by capacity, with no rate to expect
  return market.hazard.kind === 'fixed' ? market.hazard.perHour : market.hazard.basePerHour
}

/** Seconds until a task's work is done on an open slot, Infinity where it may not go. */
export function doneOnSlot(task: DisplacedTask, slot: OpenSlot, coldStartSeconds: number): number {
  if (slot.spot !== task.spot || slot.gpuMemoryGiB < task.gpuMemoryGiB) return Infinity
  return (
    slot.waitSeconds +
    (slot.hasModel(task.model) ? 0 : coldStartSeconds) +
    task.stateGiB / slot.bandwidthGiBps +
    task.remainingSeconds
  )
}

/** Seconds until a task's work is done on a fresh launch, Infinity where it may not go. */
export function doneOnLaunch(
  task: DisplacedTask,
  choice: LaunchChoice,
  changeoverSeconds: number
): number {
  if (choice.spot !== task.spot || choice.gpuMemoryGiB < task.gpuMemoryGiB) return Infinity
  return changeoverSeconds + task.stateGiB / choice.bandwidthGiBps + task.remainingSeconds
}

export function placeDisplaced(
  strategy: MigrationStrategy,
  tasks: readonly DisplacedTask[],
  slots: readonly OpenSlot[],
  launches: readonly LaunchChoice[],
  times: MigrationTimes
): MigrationPlan {
  switch (strategy) {
    case 'naive':
      return engineLaunches(placeNaive(tasks), false)
    case 'first-fit':
      return engineLaunches(placeFirstFit(tasks, slots), true)
    case 'optimal':
      return placeOptimal(tasks, slots, launches, times)
  }
}

/** Targets whose fresh launches are the engine's own choice, one instance per task. */
function engineLaunches(targets: Int32Array, fillFresh: boolean): MigrationPlan {
  return {
    targets,
    launch: new Int32Array(targets.length).fill(-1),
    shared: new Uint8Array(targets.length),
    fillFresh
  }
}

/** The prototype's behaviour: every displaced task spills onto a fresh instance. */
function placeNaive(tasks: readonly DisplacedTask[]): Int32Array {
  return Int32Array.from(tasks, (t) => (t.launchable ? LAUNCH_FRESH : NO_PLACE))
}

/**
 * Each task, in order, takes the first open slot that fits, else a fresh instance (the engine's
 * cheapest a GPU), whose free slots the tasks after it may take (`fillFresh`).
 */
function placeFirstFit(tasks: readonly DisplacedTask[], slots: readonly OpenSlot[]): Int32Array {
  const free = Int32Array.from(slots, (s) => s.free)
  return Int32Array.from(tasks, (task) => {
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k]
      if (free[k] > 0 && s.spot === task.spot && s.gpuMemoryGiB >= task.gpuMemoryGiB) {
        free[k]--
        return s.instance
      }
    }
    return task.launchable ? LAUNCH_FRESH : NO_PLACE
  })
}

/**
 * Minimum total marginal cost over all displaced tasks at once (src/main/placement/marginal.ts):
 * a free slot costs only the life it adds to its instance, a fresh launch its whole instance.
 */
function placeOptimal(
  tasks: readonly DisplacedTask[],
  slots: readonly OpenSlot[],
  launches: readonly LaunchChoice[],
  times: MigrationTimes
): MigrationPlan {
  const n = tasks.length
  const onSlot = new Float64Array(n * slots.length)
  const onLaunch = new Float64Array(n * launches.length)
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < slots.length; k++)
      onSlot[r * slots.length + k] = doneOnSlot(tasks[r], slots[k], times.coldStartSeconds)
    for (let o = 0; o < launches.length; o++)
      onLaunch[r * launches.length + o] = tasks[r].launchable
        ? doneOnLaunch(tasks[r], launches[o], times.changeoverSeconds)
        : Infinity
  }
  const instances: PaidInstance[] = slots.map((s) => ({
    pricePerHour: s.instancePricePerHour,
    releaseInSeconds: s.releaseInSeconds,
    hazardPerHour: s.hazardPerHour
  }))
  const options: LaunchOption[] = launches.map((l) => ({
    pricePerHour: l.pricePerHour,
    hazardPerHour: l.hazardPerHour,
    gpus: l.gpus
  }))
  const plan = placeByMarginalCost({
    tasks: n,
    instances,
    freeSlots: Int32Array.from(slots, (s) => s.free),
    options,
    doneOnInstance: onSlot,
    doneOnLaunch: onLaunch,
    idleReleaseSeconds: times.idleReleaseSeconds
  })
  const targets = new Int32Array(n)
  for (let r = 0; r < n; r++)
    targets[r] =
      plan.instance[r] >= 0
        ? slots[plan.instance[r]].instance
        : plan.launch[r] >= 0
          ? LAUNCH_FRESH
          : NO_PLACE
  return { targets, launch: plan.launch, shared: plan.shared, fillFresh: false }
}
