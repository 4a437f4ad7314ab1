/**
 * Capacity-aware placement on top of the exact assignment solver: an instance with k free slots
 * can take up to k tasks, modelled by giving it k identical columns.
 */
import { solveAssignment } from './assignment'

export interface CapacityAssignment {
  /** instance chosen for each task, -1 when the task is left unplaced */
  taskToInstance: Int32Array
  /** sum of the costs of the placed tasks */
  total: number
  /** number of placed tasks (the maximum possible given capacities and forbidden cells) */
  assigned: number
}

function checkCapacities(capacities: ArrayLike<number>, who: string): void {
  for (let k = 0; k < capacities.length; k++) {
    const c = capacities[k]
    if (!Number.isInteger(c) || c < 0) {
      throw new Error(`${who}: capacity of instance ${k} must be a non-negative integer, got ${c}`)
    }
  }
}

/** Slot columns: entry s is the instance that slot s belongs to, instances in order, k slots each. */
export function expandSlots(capacities: ArrayLike<number>): Int32Array {
  checkCapacities(capacities, 'expandSlots')
  let total = 0
  for (let k = 0; k < capacities.length; k++) total += capacities[k]
  const slotToInstance = new Int32Array(total)
  let s = 0
  for (let k = 0; k < capacities.length; k++) {
    for (let n = capacities[k]; n > 0; n--) slotToInstance[s++] = k
  }
  return slotToInstance
}

/**
 * Places tasks on instances: maximises the number of placed tasks, then minimises the total cost.
 * `cost` is tasks x instances, row-major, `Infinity` where a task may not run on an instance;
 * `capacities[k]` is the number of free slots of instance k.
 */
export function solveWithCapacities(
  cost: Float64Array,
  tasks: number,
  instances: number,
  capacities: ArrayLike<number>
): CapacityAssignment {
  if (!Number.isInteger(tasks) || tasks < 0 || !Number.isInteger(instances) || instances < 0) {
    throw new Error(
      `solveWithCapacities: tasks and instances must be non-negative integers, got ${tasks} x ${instances}`
    )
  }
  if (cost.length !== tasks * instances) {
    throw new Error(
      `solveWithCapacities: cost has ${cost.length} entries, expected tasks * instances = ${tasks} * ${instances} = ${tasks * instances}`
    )
  }
  if (capacities.length !== instances) {
    throw new Error(
      `solveWithCapacities: ${capacities.length} capacities for ${instances} instances`
    )
  }
  checkCapacities(capacities, 'solveWithCapacities')
  // Checked here rather than left to solveAssignment so the message names the task and instance,
  // and so a bad cost on an instance with no free slot is not silently skipped.
  for (let k = 0; k < cost.length; k++) {
    const c = cost[k]
    if (c !== c || c === -Infinity) {
      throw new Error(
        `solveWithCapacities: cost of task ${Math.floor(k / instances)} on instance ${k % instances} is ${c}; use finite costs or Infinity for forbidden`
      )
    }
  }

  // No instance can use more slots than there are tasks, so clip: keeps the matrix at most
  // tasks x (tasks * instances) however large the advertised capacities are.
  const clipped = new Int32Array(instances)
  for (let k = 0; k < instances; k++) clipped[k] = Math.min(capacities[k], tasks)
  const slotToInstance = expandSlots(clipped)
  const slots = slotToInstance.length

  const expanded = new Float64Array(tasks * slots)
  for (let t = 0; t < tasks; t++) {
    const from = t * instances
    const to = t * slots
    for (let s = 0; s < slots; s++) expanded[to + s] = cost[from + slotToInstance[s]]
  }

  const result = solveAssignment(expanded, tasks, slots)
  const taskToInstance = new Int32Array(tasks)
  for (let t = 0; t < tasks; t++) {
    const s = result.rowToCol[t]
    taskToInstance[t] = s < 0 ? -1 : slotToInstance[s]
  }
  return { taskToInstance, total: result.total, assigned: result.assigned }
}
