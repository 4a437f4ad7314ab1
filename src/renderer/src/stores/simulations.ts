// What-if simulation jobs as the stream reports them, and the trace a Replay hands to the What-if view.
// Kept deliberately small: the What-if view reads `jobs`, `pendingReplayTrace` and `pendingWorkload`.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { SimulationJobStatus } from '@shared/api'
import type { PolicyName } from '@shared/simulation'
import type { ServiceMarket } from '@shared/workload'

/** A window exported from history (exportTrace), waiting for the What-if view to pick it up. */
export interface PendingReplayTrace {
  /** one per zone; `path` is the folder on the engine host the window was exported to */
  traces: { zone: string; json: string; path: string }[]
  from: number
  to: number
}

/** "Simulate this workload": what a service or job hands to the What-if form (whatif/from-workload.ts). */
export interface WorkloadSeed {
  name: string
  kind: 'service' | 'job'
  /** the first declared instance type (the What-if form simulates one type) */
  instanceType: string
  /** every declared type, to say which were left out */
  instanceTypes: string[]
  zones: string[]
  /** what the live fleet shows for the type; absent when no instance of it runs */
  spec?: { gpus: number; gpuMemoryGiB: number; onDemandPrice: number; meanSpotPrice?: number }
  market?: ServiceMarket
  job?: { workHours: number; deadlineHours: number; changeoverHours: number; policy: PolicyName }
}

export const useSimulationsStore = defineStore('simulations', () => {
  const jobs = ref<Record<string, SimulationJobStatus>>({})
  const pendingReplayTrace = ref<PendingReplayTrace | null>(null)
  /** "Simulate this workload": applied to the What-if form once, then cleared */
  const pendingWorkload = ref<WorkloadSeed | null>(null)

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

  function setPendingWorkload(seed: WorkloadSeed | null): void {
    pendingWorkload.value = seed
  }

  return {
    jobs,
    pendingReplayTrace,
    pendingWorkload,
    upsertJob,
    setPendingReplayTrace,
    takePendingReplayTrace,
    setPendingWorkload
  }
})
