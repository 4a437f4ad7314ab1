// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { SimulationOutput } from '@shared/simulation'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { useSimulationsStore } from '@renderer/stores/simulations'
import { fakeClient, flush, type FakeClient } from '../../../../test/support/renderer/fake-client'
import { defaultConfig, sampleOutput } from '../../../../test/support/renderer/simulation-results'
import { useSimulation, type Simulation } from './useSimulation'

let client: FakeClient
let sim: Simulation
let wrapper: VueWrapper | null = null
const results: { output: SimulationOutput; title: string }[] = []
const saved: number[] = []

function host(): VueWrapper {
  const Host = defineComponent({
    setup() {
      sim = useSimulation(client, {
        onResult: (output, title) => results.push({ output, title }),
        onSaved: (id) => saved.push(id)
      })
      return () => h('div')
    }
  })
  wrapper = mount(Host, { global: { plugins: [] } })
  return wrapper
}

describe('useSimulation', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    setActivePinia(createPinia())
    client = fakeClient()
    client.startSimulation.mockResolvedValue({ jobId: 'job-9' })
    results.length = 0
    saved.length = 0
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    vi.useRealTimers()
  })

  it('starts a job, follows the store, and hands over the result and the saved run', async () => {
    host()
    await sim.start(defaultConfig(), '  nightly ')
    expect(client.startSimulation).toHaveBeenCalledWith({
      config: defaultConfig(),
      name: 'nightly'
    })
    expect(sim.jobId.value).toBe('job-9')
    expect(sim.running.value).toBe(true)
    useSimulationsStore().upsertJob({ jobId: 'job-9', state: 'running', done: 1, total: 4 })
    await flush()
    expect(sim.percent.value).toBe(25)
    useSimulationsStore().upsertJob({
      jobId: 'job-9',
      state: 'done',
      done: 4,
      total: 4,
      output: sampleOutput(),
      runId: 3
    })
    await flush()
    expect(sim.running.value).toBe(false)
    expect(results).toEqual([{ output: sampleOutput(), title: 'nightly' }])
    expect(saved).toEqual([3])
  })

  it('polls only when the stream is quiet, and stops polling once unmounted', async () => {
    host()
    client.simulationStatus.mockResolvedValue({
      jobId: 'job-9',
      state: 'running',
      done: 2,
      total: 4
    })
    await sim.start(defaultConfig(), '')
    await vi.advanceTimersByTimeAsync(1000)
    expect(client.simulationStatus).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1500)
    expect(client.simulationStatus).toHaveBeenCalledTimes(1)
    expect(sim.percent.value).toBe(50)
    wrapper?.unmount()
    wrapper = null
    await vi.advanceTimersByTimeAsync(10_000)
    expect(client.simulationStatus).toHaveBeenCalledTimes(1)
  })

  it("cancels, and reports a failure in the form's words", async () => {
    host()
    await sim.start(defaultConfig(), '')
    await sim.cancel()
    expect(sim.cancelling.value).toBe(true)
    expect(client.cancelSimulation).toHaveBeenCalledWith({ jobId: 'job-9' })
    useSimulationsStore().upsertJob({
      jobId: 'job-9',
      state: 'failed',
      done: 0,
      total: 4,
      error: 'shorter than the simulated 48 h: lower --duration'
    })
    await flush()
    expect(sim.cancelling.value).toBe(false)
    expect(sim.error.value).toBe(
      'The simulation failed: shorter than the simulated 48 h: lower Duration (h)'
    )
    expect(useNotificationsStore().toasts.map((t) => t.title)).toContain('Simulation failed')
    expect(results).toEqual([])
  })
})
