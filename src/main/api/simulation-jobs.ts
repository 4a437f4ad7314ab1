import { randomUUID } from 'node:crypto'
import type { SimulationJobStatus } from '../../shared/api'
import type { SimulationConfig, SimulationOutput } from '../../shared/simulation'
import { runSimulation } from '../simulator/pool'

export interface SimulationJobsDeps {
  /** saves a finished run to history; returns its id */
  save?: (name: string, config: SimulationConfig, output: SimulationOutput) => number
  /** told of every status change (progress, done, failed), for the live stream */
  publish?: (status: SimulationJobStatus) => void
  workerScript?: string
}

/** What-if runs started from the cockpit: progress, cancel, and the result saved to history. */
export function createSimulationJobs(deps: SimulationJobsDeps) {
  const jobs = new Map<string, { status: SimulationJobStatus; abort: AbortController }>()

  const update = (jobId: string, patch: Partial<SimulationJobStatus>): void => {
    const job = jobs.get(jobId)
    if (!job) return
    job.status = { ...job.status, ...patch }
    deps.publish?.(job.status)
  }

  return {
    start(config: SimulationConfig, name?: string): { jobId: string } {
      const jobId = randomUUID()
      const abort = new AbortController()
      jobs.set(jobId, { status: { jobId, state: 'running', done: 0, total: config.runs }, abort })
      deps.publish?.(jobs.get(jobId)!.status)
      let lastPublished = 0
      runSimulation(config, {
        signal: abort.signal,
        timeline: true,
        workerScript: deps.workerScript,
        onProgress: (done, total) => {
          // at most ~50 progress messages per job, however many runs
          if (done === total || done - lastPublished >= Math.max(1, Math.floor(total / 50))) {
            lastPublished = done
            update(jobId, { done, total })
          }
        }
      }).then(
        (output) => {
          const runId = deps.save?.(name ?? defaultName(config), config, output)
          update(jobId, { state: 'done', done: config.runs, output, runId })
        },
        (error) =>
          update(
            jobId,
            abort.signal.aborted
              ? { state: 'cancelled' }
              : { state: 'failed', error: error instanceof Error ? error.message : String(error) }
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
      : `job ${config.workload.computeHours} h / ${config.workload.deadlineHours} h`
  return `${workload}, ${config.durationHours} h, ${market}, seed ${config.seed}`
}
