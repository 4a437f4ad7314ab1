// What-if simulation jobs as the stream reports them, and the trace a Replay hands to the What-if view.
// Kept deliberately small: the What-if view reads `jobs` and `pendingReplayTrace`.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { SimulationJobStatus } from '@shared/api'

/** A window exported from history (exportTrace), waiting for the What-if view to pick it up. */
export interface PendingReplayTrace {
  /** one per zone; `path` is the folder on the engine host the window was exported to */
  traces: { zone: string; json: string; path: string }[]
  from: number
  to: number
}

export const useSimulationsStore = defineStore('simulations', () => {
  const jobs = ref<Record<string, SimulationJobStatus>>({})
  const pendingReplayTrace = ref<PendingReplayTrace | null>(null)

  function upsertJob(status: SimulationJobStatus): void {
    jobs.value = { ...jobs.value, [status.jobId]: status }
  }

  function setPendingReplayTrace(trace: PendingReplayTrace | null): void {
    pendingReplayTrace.value = trace
  }

  /** Returns the pending trace and clears it, so it is used once. */
  function takePendingReplayTrace(): PendingReplayTrace | null {
    const trace = pendingReplayTrace.value
    pendingReplayTrace.value = null
    return trace
  }

  return { jobs, pendingReplayTrace, upsertJob, setPendingReplayTrace, takePendingReplayTrace }
})
