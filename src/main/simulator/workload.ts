import type { BatchWorkloadConfig } from '../../shared/simulation'
import { exponential, logNormal } from '../../shared/random'

/** The batch tasks of one run, as parallel typed arrays (index = task id, in arrival order). */
export interface TaskSet {
  count: number
  arrival: Float64Array
  /** compute time, seconds */
  work: Float64Array
  gpuMemoryGiB: Float64Array
  stateGiB: Float64Array
  model: Int32Array
}

/** Draws a run's tasks; every policy of the run sees the same set. */
export function generateTasks(config: BatchWorkloadConfig, uniform: () => number): TaskSet {
  const n = config.tasks
  const tasks: TaskSet = {
    count: n,
    arrival: new Float64Array(n),
    work: new Float64Array(n),
    gpuMemoryGiB: new Float64Array(n),
    stateGiB: new Float64Array(n),
    model: new Int32Array(n)
  }
  const window = config.arrivalWindowHours * 3600
  // A Poisson process conditioned on n arrivals in the window is n sorted uniforms; drawing
  // exponentials and rescaling gives exactly that while keeping arrival order = task order.
  let clock = 0
  const gaps = new Float64Array(n + 1)
  for (let i = 0; i <= n; i++) gaps[i] = exponential(uniform, 1)
  let total = 0
  for (let i = 0; i <= n; i++) total += gaps[i]
  const logMin = Math.log(config.stateGiBMin)
  const logMax = Math.log(config.stateGiBMax)
  const choices = config.gpuMemoryChoicesGiB
  for (let i = 0; i < n; i++) {
    clock += gaps[i]
    tasks.arrival[i] = window > 0 ? (clock / total) * window : 0
    tasks.work[i] = Math.max(
      60,
      Math.round(logNormal(uniform, config.meanTaskHours, config.taskHoursCv) * 3600)
    )
    tasks.gpuMemoryGiB[i] =
      choices[Math.min(choices.length - 1, Math.floor(uniform() * choices.length))]
    tasks.stateGiB[i] = Math.exp(logMin + (logMax - logMin) * uniform())
    tasks.model[i] = Math.min(config.models - 1, Math.floor(uniform() * config.models))
  }
  return tasks
}
