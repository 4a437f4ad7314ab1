import type { MigrationStrategy } from '../../shared/simulation'
import { solveAssignment } from '../placement/assignment'

/** A running (or launching) instance with free GPU slots that displaced work could move to. */
export interface OpenSlot {
  instance: number
  free: number
  spot: boolean
  gpuMemoryGiB: number
  /** price of one slot, $/h */
  pricePerHour: number
  bandwidthGiBps: number
  /** until the instance is ready, seconds */
  waitSeconds: number
  hasModel(model: number): boolean
}

/** A task displaced by a reclaim, looking for a new home. */
export interface DisplacedTask {
  spot: boolean
  gpuMemoryGiB: number
  /** checkpoint to fetch, GiB (0 when starting over) */
  stateGiB: number
  model: number
  remainingSeconds: number
  /** a fresh instance for this task: price of its slot ($/h, Infinity when none can be launched) and delay */
  freshPricePerHour: number
  freshDelaySeconds: number
}

/** Placement target: an instance index, LAUNCH_FRESH, or NO_PLACE (wait for capacity). */
export const LAUNCH_FRESH = -2
export const NO_PLACE = -1

/**
 * Expected dollars to finish a task on a slot: the slot is paid while the task waits, loads its
 * model, fetches its state and then computes what remains. This folds the spec's "transfer time +
 * cold start + price difference over the expected remaining time" into one unit, so the solver
 * trades a cheaper slot against a longer set-up consistently.
 */
export function slotCost(task: DisplacedTask, slot: OpenSlot, coldStartSeconds: number): number {
  if (slot.spot !== task.spot || slot.gpuMemoryGiB < task.gpuMemoryGiB) return Infinity
  const delay =
    slot.waitSeconds +
    (slot.hasModel(task.model) ? 0 : coldStartSeconds) +
    task.stateGiB / slot.bandwidthGiBps
  return ((delay + task.remainingSeconds) * slot.pricePerHour) / 3600
}

export function freshCost(task: DisplacedTask): number {
  if (!Number.isFinite(task.freshPricePerHour)) return Infinity
  return ((task.freshDelaySeconds + task.remainingSeconds) * task.freshPricePerHour) / 3600
}

export function placeDisplaced(
  strategy: MigrationStrategy,
  tasks: readonly DisplacedTask[],
  slots: readonly OpenSlot[],
  coldStartSeconds: number
): Int32Array {
  switch (strategy) {
    case 'naive':
      return placeNaive(tasks)
    case 'first-fit':
      return placeFirstFit(tasks, slots)
    case 'optimal':
      return placeOptimal(tasks, slots, coldStartSeconds)
  }
}

/** The prototype's behaviour: every displaced task spills onto a fresh instance. */
function placeNaive(tasks: readonly DisplacedTask[]): Int32Array {
  return Int32Array.from(tasks, (t) =>
    Number.isFinite(t.freshPricePerHour) ? LAUNCH_FRESH : NO_PLACE
  )
}

/** Each task, in order, takes the first open slot that fits, else a fresh instance. */
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
    return Number.isFinite(task.freshPricePerHour) ? LAUNCH_FRESH : NO_PLACE
  })
}

/**
 * Minimum total expected cost over all displaced tasks at once: one column per free slot (an
 * instance with k free slots gives k columns) plus one fresh-launch column per task.
 */
function placeOptimal(
  tasks: readonly DisplacedTask[],
  slots: readonly OpenSlot[],
  coldStartSeconds: number
): Int32Array {
  const columns: number[] = []
  for (let k = 0; k < slots.length; k++)
    for (let f = 0; f < Math.min(slots[k].free, tasks.length); f++) columns.push(k)
  const rows = tasks.length
  const slotColumns = columns.length
  const cols = slotColumns + rows
  const cost = new Float64Array(rows * cols)
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    for (let c = 0; c < slotColumns; c++)
      cost[base + c] = slotCost(tasks[r], slots[columns[c]], coldStartSeconds)
    const fresh = freshCost(tasks[r])
    for (let c = slotColumns; c < cols; c++) cost[base + c] = fresh
  }
  const { rowToCol } = solveAssignment(cost, rows, cols)
  return Int32Array.from(rowToCol, (c) =>
    c < 0 ? NO_PLACE : c < slotColumns ? slots[columns[c]].instance : LAUNCH_FRESH
  )
}
