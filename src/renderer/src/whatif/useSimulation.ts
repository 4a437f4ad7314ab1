// One what-if simulation job from the view's side: start it, follow its progress (the live stream
// fills the simulations store; when the stream goes quiet for 2 s the status is polled), cancel it,
// and hand over its result once it ends (from the status, or from the saved run). Timers stop when
// the owning component unmounts.
import { computed, onBeforeUnmount, ref, watch, type ComputedRef, type Ref } from 'vue'
import type { SimulationJobStatus, SynktiClient } from '@shared/api'
import type { SimulationConfig, SimulationOutput } from '@shared/simulation'
import { errorText } from '@shared/errors'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { useSimulationsStore } from '@renderer/stores/simulations'
import { guiMessage } from './form-model'

/** Polled when no progress arrived for this long while the job runs. */
export const QUIET_POLL_MS = 2000

export interface SimulationHooks {
  /** the finished job's output, with the title to show it under */
  onResult(output: SimulationOutput, title: string): void
  /** the finished job was saved as a run (the saved-runs list is stale) */
  onSaved?(runId: number): void
}

export interface Simulation {
  jobId: Ref<string | null>
  job: ComputedRef<SimulationJobStatus | null>
  starting: Ref<boolean>
  cancelling: Ref<boolean>
  running: ComputedRef<boolean>
  /** 0..100 */
  percent: ComputedRef<number>
  /** the last failure, in words; '' when none */
  error: Ref<string>
  start(config: SimulationConfig, name: string): Promise<void>
  cancel(): Promise<void>
}

export function useSimulation(client: SynktiClient, hooks: SimulationHooks): Simulation {
  const simulations = useSimulationsStore()
  const notifications = useNotificationsStore()

  const jobId = ref<string | null>(null)
  const starting = ref(false)
  const cancelling = ref(false)
  const error = ref('')
  let runName = ''
  const job = computed<SimulationJobStatus | null>(() =>
    jobId.value ? (simulations.jobs[jobId.value] ?? null) : null
  )
  const running = computed(
    () =>
      starting.value ||
      job.value?.state === 'running' ||
      (jobId.value !== null && job.value === null)
  )
  const percent = computed(() => {
    const j = job.value
    if (!j || !(j.total > 0)) return 0
    return Math.max(0, Math.min(100, Math.round((j.done / j.total) * 100)))
  })

  let lastUpdate = 0
  let timer: ReturnType<typeof setInterval> | undefined
  let polling = false
  let handled: string | null = null

  function stopTimer(): void {
    if (timer) clearInterval(timer)
    timer = undefined
  }

  async function poll(): Promise<void> {
    const id = jobId.value
    if (!id || polling) return
    polling = true
    try {
      const status = await client.simulationStatus({ jobId: id })
      lastUpdate = Date.now()
      simulations.upsertJob(status)
    } catch (err) {
      notifications.error(err, 'Could not read the simulation status')
    } finally {
      polling = false
    }
  }

  function startTimer(): void {
    stopTimer()
    lastUpdate = Date.now()
    timer = setInterval(() => {
      if (!running.value || starting.value) return
      if (Date.now() - lastUpdate >= QUIET_POLL_MS) void poll()
    }, 1000)
  }

  watch(job, (status) => {
    if (!status) return
    lastUpdate = Date.now()
    if (status.state !== 'running' && handled !== status.jobId) {
      handled = status.jobId
      void finish(status)
    }
  })

  async function finish(status: SimulationJobStatus): Promise<void> {
    stopTimer()
    cancelling.value = false
    if (status.state === 'failed') {
      const reason = guiMessage(status.error ?? 'no reason given')
      error.value = `The simulation failed: ${reason}`
      notifications.push({ kind: 'error', title: 'Simulation failed', message: reason })
      return
    }
    if (status.state === 'cancelled') {
      notifications.info('Simulation cancelled')
      return
    }
    let out = status.output
    try {
      if (!out) out = (await client.simulationStatus({ jobId: status.jobId })).output
      if (!out && status.runId !== undefined)
        out = (await client.getSimulationRun({ id: status.runId })).output
    } catch (err) {
      notifications.error(err, 'Could not fetch the simulation result')
    }
    if (out) hooks.onResult(out, runName || `Run ${status.runId ?? status.jobId}`)
    else error.value = 'The simulation finished but returned no result.'
    if (status.runId !== undefined) hooks.onSaved?.(status.runId)
  }

  async function start(config: SimulationConfig, name: string): Promise<void> {
    if (running.value) return
    error.value = ''
    starting.value = true
    handled = null
    runName = name.trim()
    try {
      const { jobId: id } = await client.startSimulation(
        runName ? { config, name: runName } : { config }
      )
      jobId.value = id
      startTimer()
    } catch (err) {
      error.value = guiMessage(errorText(err))
      notifications.error(err, 'Could not start the simulation')
    } finally {
      starting.value = false
    }
  }

  async function cancel(): Promise<void> {
    const id = jobId.value
    if (!id) return
    cancelling.value = true
    try {
      await client.cancelSimulation({ jobId: id })
    } catch (err) {
      cancelling.value = false
      error.value = errorText(err)
      notifications.error(err, 'Could not cancel the simulation')
    }
  }

  onBeforeUnmount(stopTimer)

  return { jobId, job, starting, cancelling, running, percent, error, start, cancel }
}
