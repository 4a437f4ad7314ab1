import { randomUUID } from 'node:crypto'
import { availableParallelism } from 'node:os'
import type { SimulationJobStatus } from '../../shared/api'
import { errorText } from '../../shared/errors'
import type { SimulationConfig, SimulationOutput } from '../../shared/simulation'
import { runSimulation } from '../simulator/pool'
import { ApiError } from './handlers'

export interface SimulationJobsDeps {
  /** saves a finished run to history; returns its id */
  save?: (name: string, config: SimulationConfig, output: SimulationOutput) => number
  /** told of every status change (progress, done, failed), for the live stream */
  publish?: (status: SimulationJobStatus) => void
  /** the built simulation worker; found next to the bundle by default */
  workerScript?: string
  limits?: Partial<SimulationJobLimits>
}

export interface SimulationJobLimits {
  /** jobs simulating at once; one more is refused (429) until one ends */
  running: number
  /** ended jobs (done, failed, cancelled) whose status and result are kept; the oldest go first */
  retained: number
}

export const SIMULATION_JOB_LIMITS: SimulationJobLimits = { running: 2, retained: 20 }

interface Job {
  status: SimulationJobStatus
  abort: AbortController
}

/** What-if runs started from the cockpit: progress, cancel, and the result saved to history. */
export function createSimulationJobs(deps: SimulationJobsDeps) {
  const limits = { ...SIMULATION_JOB_LIMITS, ...deps.limits }
  // insertion order is start order, so the first ended job met is the oldest
  const jobs = new Map<string, Job>()

  const running = (): number =>
    [...jobs.values()].filter((j) => j.status.state === 'running').length

  /** Drops the oldest ended jobs beyond the retention limit (a running job is never dropped). */
  const prune = (): void => {
    let ended = jobs.size - running()
    for (const [jobId, job] of jobs) {
      if (ended <= limits.retained) break
      if (job.status.state === 'running') continue
      jobs.delete(jobId)
      ended--
    }
  }

  const update = (jobId: string, patch: Partial<SimulationJobStatus>): void => {
    const job = jobs.get(jobId)
    if (!job) return
    job.status = { ...job.status, ...patch }
    deps.publish?.(job.status)
    if (job.status.state !== 'running') prune()
  }

  return {
    start(config: SimulationConfig, name?: string): { jobId: string } {
      if (running() >= limits.running)
        throw new ApiError(
          'too-many',
          `${limits.running} what-if simulations are already running: wait for one to end or cancel one`
        )
      const jobId = randomUUID()
      const abort = new AbortController()
      jobs.set(jobId, { status: { jobId, state: 'running', done: 0, total: config.runs }, abort })
      deps.publish?.(jobs.get(jobId)!.status)
      let lastPublished = 0
      runSimulation(config, {
        signal: abort.signal,
        timeline: true,
        workerScript: deps.workerScript,
        // every run in worker threads: the daemon's event loop (status, cancel, failovers) never waits
        offThread: true,
        workers: Math.min(availableParallelism(), config.runs),
        onProgress: (done, total) => {
          // at most ~50 progress messages per job, however many runs
          if (done === total || done - lastPublished >= Math.max(1, Math.floor(total / 50))) {
            lastPublished = done
            update(jobId, { done, total })
          }
        }
      }).then(
        (output) => {
          let runId: number | undefined
          try {
            runId = deps.save?.(name ?? defaultName(config), config, output)
          } catch (error) {
            // a result that cannot be saved (full disk, read-only history) is a failed job, not a crash
            return update(jobId, {
              state: 'failed',
              error: `result not saved: ${errorText(error)}`
            })
          }
          update(jobId, { state: 'done', done: config.runs, output, runId })
        },
        (error) =>
          update(
            jobId,
            abort.signal.aborted
              ? { state: 'cancelled' }
              : { state: 'failed', error: errorText(error) }
          )
      )
      return { jobId }
    },
    status(jobId: string): SimulationJobStatus | undefined {
      return jobs.get(jobId)?.status
    },
    cancel(jobId: string): boolean {
      const job = jobs.get(jobId)
      if (!job) return false
      if (job.status.state === 'running') job.abort.abort(new Error('cancelled by the user'))
      return true
    },
    cancelAll(): void {
      for (const job of jobs.values()) if (job.status.state === 'running') job.abort.abort()
    },
    /** how many jobs are kept (running and ended), for tests and status */
    size(): number {
      return jobs.size
    }
  }
}

export type SimulationJobs = ReturnType<typeof createSimulationJobs>

function defaultName(config: SimulationConfig): string {
  const market =
    config.market.kind === 'trace'
      ? config.market.path.split(/[\\/]/).filter(Boolean).pop()
      : 'synthetic'
  const workload =
    config.workload.kind === 'batch'
      ? `${config.workload.tasks} tasks`
      : config.workload.kind === 'service'
        ? `service of ${config.workload.replicas} replicas`
        : `job ${config.workload.computeHours} h / ${config.workload.deadlineHours} h`
  return `${workload}, ${config.durationHours} h, ${market}, seed ${config.seed}`
}
