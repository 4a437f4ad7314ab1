// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { METRIC_NAMES, type SimulationConfig } from '@shared/simulation'
import { checkSimulationConfig } from '@shared/simulation-schema'
import { ClientError } from '@renderer/api/client'
import { CLIENT_KEY } from '@renderer/api/use-client'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { useSimulationsStore } from '@renderer/stores/simulations'
import { fakeClient, flush, type FakeClient } from '../../../../test/support/renderer/fake-client'
import { defaultConfig, sampleOutput } from '../../../../test/support/renderer/simulation-results'
import WhatIfView from './WhatIfView.vue'

// ECharts cannot draw in happy-dom: VChart is a stub that shows how many series it got
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    name: 'VChart',
    props: ['option', 'loading', 'autoresize'],
    setup(props) {
      return () =>
        h('div', {
          'data-test': 'vchart',
          'data-series': (props.option as { series: unknown[] }).series.length
        })
    }
  })
}))

let pinia: Pinia
let client: FakeClient
let wrapper: VueWrapper | null = null

async function mountView(): Promise<VueWrapper> {
  wrapper = mount(WhatIfView, {
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
    attachTo: document.body
  })
  await flush()
  return wrapper
}

async function setField(w: VueWrapper, name: string, value: string): Promise<void> {
  await w.find(`input[name="${name}"]`).setValue(value)
}

function errorNextTo(w: VueWrapper, name: string): string | undefined {
  const field = w.find(`input[name="${name}"]`).element.closest('.field')
  return field?.querySelector('[data-test="field-error"]')?.textContent?.trim()
}

describe('WhatIfView', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']
    })
    pinia = createPinia()
    setActivePinia(pinia)
    client = fakeClient()
    client.defaultSimulationConfig.mockResolvedValue(defaultConfig())
    client.bundledTraces.mockResolvedValue([
      {
        id: 'aws-v100',
        label: 'AWS V100 1-node 2023-02',
        path: '/res/traces/aws-v100-1node-2023-02',
        zones: 3,
        hours: 240,
        source: 'bundled'
      }
    ])
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    document.body.innerHTML = ''
    vi.useRealTimers()
  })

  it('starts from the defaults with the heading, the sections and a valid form', async () => {
    const w = await mountView()
    expect(w.find('h1').text()).toBe('What-if')
    expect(client.defaultSimulationConfig).toHaveBeenCalledWith({})
    expect(w.find('[data-test="whatif-form"]').exists()).toBe(true)
    expect((w.find('input[name="durationHours"]').element as HTMLInputElement).value).toBe('48')
    expect((w.find('input[name="workload.tasks"]').element as HTMLInputElement).value).toBe('100')
    expect(w.find('label[for="whatif-durationHours"]').text()).toBe('Duration (h)')
    expect(w.findAll('[data-test="field-error"]')).toHaveLength(0)
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeUndefined()
    expect(w.find('[data-group="market"]').attributes('aria-expanded')).toBe('false')
    expect(w.find('[data-group="basics"]').attributes('aria-expanded')).toBe('true')
  })

  it('shows a negative duration next to the duration and disables Run', async () => {
    const w = await mountView()
    await setField(w, 'durationHours', '-3')
    expect(errorNextTo(w, 'durationHours')).toBe('duration must be > 0')
    expect(w.find('input[name="durationHours"]').attributes('aria-invalid')).toBe('true')
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeDefined()
    // the summary names the field by its label, never by its config key
    expect(w.find('[data-test="error-summary"]').text()).toContain(
      'Duration (h): duration must be > 0'
    )
    expect(w.find('[data-test="error-summary"]').text()).not.toContain('durationHours')
    await setField(w, 'durationHours', 'abc')
    expect(errorNextTo(w, 'durationHours')).toBe('Duration (h) must be a number')
    await setField(w, 'durationHours', '24')
    expect(errorNextTo(w, 'durationHours')).toBeUndefined()
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeUndefined()
  })

  it('runs the default config and shows progress from the store', async () => {
    const w = await mountView()
    await setField(w, 'name', 'baseline')
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    expect(client.startSimulation).toHaveBeenCalledTimes(1)
    const input = client.startSimulation.mock.calls[0][0] as { config: unknown; name: string }
    expect(input.name).toBe('baseline')
    expect(checkSimulationConfig(input.config).ok).toBe(true)
    expect(input.config).toEqual(defaultConfig())
    useSimulationsStore().upsertJob({ jobId: 'job-1', state: 'running', done: 3, total: 10 })
    await flush()
    const bar = w.find('[data-test="progress"]')
    expect(bar.attributes('role')).toBe('progressbar')
    expect(bar.attributes('aria-valuenow')).toBe('30')
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeDefined()
  })

  it('polls the status when the stream is quiet for 2 s, and cancels', async () => {
    const w = await mountView()
    await w.find('[data-test="run"]').trigger('click')
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    expect(client.startSimulation).toHaveBeenCalledTimes(1)
    client.simulationStatus.mockResolvedValue({
      jobId: 'job-1',
      state: 'running',
      done: 5,
      total: 10
    })
    await vi.advanceTimersByTimeAsync(1000)
    expect(client.simulationStatus).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1500)
    expect(client.simulationStatus).toHaveBeenCalledWith({ jobId: 'job-1' })
    await flush()
    expect(w.find('[data-test="progress"]').attributes('aria-valuenow')).toBe('50')
    await w.find('[data-test="cancel"]').trigger('click')
    await flush()
    expect(client.cancelSimulation).toHaveBeenCalledWith({ jobId: 'job-1' })
    useSimulationsStore().upsertJob({ jobId: 'job-1', state: 'cancelled', done: 5, total: 10 })
    await flush()
    expect(w.find('[data-test="cancel"]').exists()).toBe(false)
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeUndefined()
  })

  it('labels metrics in words with units, clamps intervals, explains a blank saving and shows the gap to optimal', async () => {
    const w = await mountView()
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    const output = sampleOutput()
    const greedy = output.results[0]
    greedy.metrics.savings_pct = { mean: null as unknown as number, ci95: [0, 0] }
    greedy.savings_note =
      'no run completed the work, so there is no cost per hour of work to compare'
    greedy.metrics.gap_to_optimal_pct = { mean: 12.5, ci95: [10, 15] }
    greedy.metrics.launch_failures = { mean: 0.03, ci95: [-0.03, 0.1] }
    greedy.metrics.spot_work_hours = { mean: 4, ci95: [3, 5] }
    greedy.metrics.ondemand_work_hours = { mean: 1, ci95: [1, 1] }
    greedy.metrics.spot_hours = { mean: 6, ci95: [5, 7] }
    greedy.metrics.ondemand_hours = { mean: 1.5, ci95: [1, 2] }
    output.results[1].metrics.gap_to_optimal_pct = { mean: null as unknown as number, ci95: [0, 0] }
    useSimulationsStore().upsertJob({ jobId: 'job-1', state: 'done', done: 10, total: 10, output })
    await flush()
    const table = w.find('[data-test="metrics-table"]')
    const failures = table.find('tr[data-metric="launch_failures"]')
    expect(failures.find('th').text()).toBe('Launch failures')
    expect(failures.text()).toContain('0.03 [0, 0.1]')
    expect(table.find('tr[data-metric="total_cost"] th').text()).toBe('Total cost ($)')
    const card = w.find('[data-policy="greedy"]')
    expect(card.find('[data-test="savings"]').text()).toBe('—')
    expect(card.find('[data-test="savings-note"]').text()).toContain('no run completed the work')
    expect(card.find('[data-test="work-hours"]').text()).toBe('5 h / 7.5 h')
    expect(card.find('[data-test="gap-to-optimal"]').text()).toBe('12.5%')
    expect(w.find('[data-policy="ondemand"] [data-test="gap-to-optimal"]').exists()).toBe(false)
  })

  it('renders the results of a finished run: metrics with CIs, charts, timeline, exports', async () => {
    const created: Blob[] = []
    const createObjectURL = vi.fn((b: Blob) => {
      created.push(b)
      return 'blob:x'
    })
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }))
    const w = await mountView()
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    client.listSimulationRuns.mockResolvedValue([{ id: 7, createdAt: 1, name: 'baseline' }])
    useSimulationsStore().upsertJob({
      jobId: 'job-1',
      state: 'done',
      done: 10,
      total: 10,
      output: sampleOutput(),
      runId: 7
    })
    await flush()
    const results = w.find('[data-test="results"]')
    expect(results.exists()).toBe(true)
    const table = w.find('[data-test="metrics-table"]')
    expect(table.find('tr[data-metric="total_cost"]').text()).toContain('170.7 [160.25, 181.5]')
    expect(table.find('tr[data-metric="total_cost"]').text()).toContain('200 [198.5, 201.5]')
    // one row per metric
    expect(table.findAll('tbody tr')).toHaveLength(METRIC_NAMES.length)
    for (const id of [
      'cost-chart',
      'hours-chart',
      'percent-chart',
      'completion-chart',
      'sim-timeline-chart'
    ])
      expect(w.find(`[data-test="${id}"] [data-test="vchart"]`).exists()).toBe(true)
    expect(w.find('[data-test="cost-chart"] [data-test="vchart"]').attributes('data-series')).toBe(
      '2'
    )
    expect(w.find('[data-test="savings"]').text()).toBe('102%')
    expect(w.find('[data-test="saved-runs"]').text()).toContain('baseline')
    await w.find('[data-test="export-csv"]').trigger('click')
    expect(createObjectURL).toHaveBeenCalledTimes(1)
    expect(await created[0].text()).toMatch(
      /^policy,metric,mean,ci95_low,ci95_high\ngreedy,total_cost,170.7,160.25,181.5\n/
    )
    await w.find('[data-test="export-json"]').trigger('click')
    expect(JSON.parse(await created[1].text())).toEqual(sampleOutput())
    vi.unstubAllGlobals()
  })

  it('disables the deadline-only policy for a batch workload', async () => {
    const w = await mountView()
    const uniform = w.find('input[name="policies"][value="uniform-progress"]')
    expect(uniform.attributes('disabled')).toBeDefined()
    await w.find('input[name="workload.kind"][value="deadline"]').setValue(true)
    expect(
      w.find('input[name="policies"][value="uniform-progress"]').attributes('disabled')
    ).toBeUndefined()
    expect(w.find('label[for="whatif-changeoverSeconds"]').text()).toBe('Changeover (h)')
    expect(w.find('input[name="workload.computeHours"]').exists()).toBe(true)
    await setField(w, 'workload.computeHours', '90')
    expect(w.find('[data-group="workload"]').text()).toContain('needs attention')
    // the engine's rule in the form's words: no CLI flags
    expect(w.findAll('[data-test="field-error"]').map((e) => e.text())).toContain(
      'the job cannot be longer than its deadline'
    )
    expect(w.find('[data-test="error-summary"]').text()).not.toMatch(/--[a-z]/)
  })

  it('offers the Replay window first as the trace', async () => {
    const from = new Date(2025, 2, 4, 10, 0, 0).getTime()
    useSimulationsStore().setPendingReplayTrace({
      traces: [{ zone: 'sandbox-1a', json: '{}', path: '/data/exports/w1' }],
      from,
      to: from + 3_600_000
    })
    const w = await mountView()
    const options = w
      .findAll('[data-test="trace-picker"] option')
      .filter((o) => o.attributes('value'))
    expect(options[0].text()).toContain('History window 2025-03-04 10:00:00 → 2025-03-04 11:00:00')
    expect(options[1].text()).toContain('AWS V100 1-node 2023-02')
    expect((w.find('[data-test="trace-picker"]').element as HTMLSelectElement).value).toBe(
      'history-window'
    )
    expect((w.find('input[name="market.path"]').element as HTMLInputElement).value).toBe(
      '/data/exports/w1'
    )
    expect(w.text()).toContain('SkyNomad artifact')
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    const config = (client.startSimulation.mock.calls[0][0] as { config: { market: unknown } })
      .config
    expect(config.market).toEqual({ kind: 'trace', path: '/data/exports/w1', binaryCapacity: 1000 })
    // the duration follows the 1 h window
    expect((config as unknown as { durationHours: number }).durationHours).toBe(1)
    expect(w.find('[data-test="replay-window"]').text()).toContain(
      'Selected source: History window 2025-03-04 10:00:00'
    )
    // the window stays in the store: the view is kept alive and may be come back to
    expect(useSimulationsStore().pendingReplayTrace).not.toBeNull()
    await w.find('[data-test="trace-picker"]').setValue('aws-v100')
    expect((w.find('input[name="market.path"]').element as HTMLInputElement).value).toBe(
      '/res/traces/aws-v100-1node-2023-02'
    )
    expect(w.find('[data-test="replay-window"]').text()).toContain('From Replay: History window')
    await w.find('[data-test="forget-replay"]').trigger('click')
    expect(useSimulationsStore().pendingReplayTrace).toBeNull()
    expect(w.find('[data-test="replay-window"]').exists()).toBe(false)
  })

  it('shows a window the engine did not save as a file with a note, keeps it, and does not run it', async () => {
    const w = await mountView()
    const from = new Date(2025, 2, 4, 10, 0, 0).getTime()
    const pending = {
      traces: [{ zone: 'sandbox-1a', json: '{"data":[1,1,0]}', path: '' }],
      from,
      to: from + 2 * 3_600_000
    }
    // set while the (kept-alive) view is already on screen
    useSimulationsStore().setPendingReplayTrace(pending)
    await flush()
    expect((w.find('[data-test="trace-picker"]').element as HTMLSelectElement).value).toBe(
      'history-window'
    )
    expect(w.find('[data-test="replay-window"]').text()).toContain('1 zone, 2 h')
    expect(w.find('[data-test="replay-note"]').text()).toContain('cannot run on it yet')
    expect(errorNextTo(w, 'market.path')).toBe('trace path is empty')
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeDefined()
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    expect(client.startSimulation).not.toHaveBeenCalled()
    expect(useSimulationsStore().pendingReplayTrace).toEqual(pending)
  })

  it('lists saved runs newest first and opens one', async () => {
    client.listSimulationRuns.mockResolvedValue([
      { id: 1, createdAt: 1000, name: 'old' },
      { id: 2, createdAt: 2000, name: 'new' }
    ])
    client.getSimulationRun.mockResolvedValue({
      id: 2,
      name: 'new',
      createdAt: 2000,
      config: defaultConfig(),
      output: sampleOutput()
    })
    const w = await mountView()
    const items = w.findAll('[data-test="saved-runs"] li')
    expect(items.map((i) => i.attributes('data-run'))).toEqual(['2', '1'])
    await items[0].find('button').trigger('click')
    await flush()
    expect(client.getSimulationRun).toHaveBeenCalledWith({ id: 2 })
    expect(w.find('[data-test="results"]').text()).toContain('Results: new')
    expect(w.find('[data-test="metrics-table"]').exists()).toBe(true)
  })

  it('reports a refused start as a toast and inline', async () => {
    client.startSimulation.mockRejectedValue(
      new ClientError('bad-request', 'config.runs: runs must be >= 1')
    )
    const w = await mountView()
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    expect(w.find('[data-test="run-error"]').text()).toContain('runs must be >= 1')
    expect(useNotificationsStore().toasts.map((t) => t.title)).toContain(
      'Could not start the simulation'
    )
  })

  it("checks the duration against the Replay window before running, in the form's words", async () => {
    const from = new Date(2025, 2, 4, 10, 0, 0).getTime()
    useSimulationsStore().setPendingReplayTrace({
      traces: [{ zone: 'sandbox-1a', json: '{}', path: '/data/exports/w2' }],
      from,
      to: from + 6 * 3_600_000
    })
    const w = await mountView()
    expect((w.find('input[name="durationHours"]').element as HTMLInputElement).value).toBe('6')
    await setField(w, 'durationHours', '48')
    expect(errorNextTo(w, 'durationHours')).toBe(
      'Duration (h) is longer than the trace (6 h): at most 6'
    )
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeDefined()
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    expect(client.startSimulation).not.toHaveBeenCalled()
    // a deadline job's deadline must fit too
    await setField(w, 'durationHours', '5')
    await w.find('input[name="workload.kind"][value="deadline"]').setValue(true)
    await setField(w, 'workload.computeHours', '2')
    await setField(w, 'workload.deadlineHours', '10')
    expect(errorNextTo(w, 'workload.deadlineHours')).toBe(
      'Deadline R (h) is longer than the trace (6 h): at most 6'
    )
    await setField(w, 'workload.deadlineHours', '6')
    expect(w.findAll('[data-test="field-error"]')).toHaveLength(0)
    expect(w.find('[data-test="run"]').attributes('disabled')).toBeUndefined()
  })

  it('words a failed run for the GUI, never with a CLI flag', async () => {
    const w = await mountView()
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    useSimulationsStore().upsertJob({
      jobId: 'job-1',
      state: 'failed',
      done: 0,
      total: 1,
      error: 'the trace covers 1.0 h, shorter than the simulated 48 h: lower --duration'
    })
    await flush()
    const text = w.find('[data-test="run-error"]').text()
    expect(text).toContain('shorter than the simulated 48 h: lower Duration (h)')
    expect(text).not.toContain('--duration')
  })

  it('opens prefilled from a workload handed over by the Workloads view, once', async () => {
    useSimulationsStore().setPendingWorkload({
      name: 'finetune',
      kind: 'job',
      instanceType: 'g5.xlarge',
      instanceTypes: ['g5.xlarge'],
      zones: ['sandbox-1a', 'sandbox-1b'],
      spec: { gpus: 1, gpuMemoryGiB: 24, onDemandPrice: 1.006, meanSpotPrice: 0.35 },
      job: { workHours: 6, deadlineHours: 9, changeoverHours: 0.2, policy: 'uniform-progress' }
    })
    const w = await mountView()
    expect(useSimulationsStore().pendingWorkload).toBeNull()
    expect(w.find('[data-test="workload-seed"]').text()).toContain(
      'Prefilled from the job finetune'
    )
    const value = (name: string): string =>
      (w.find(`input[name="${name}"]`).element as HTMLInputElement).value
    expect(value('workload.computeHours')).toBe('6')
    expect(value('workload.deadlineHours')).toBe('9')
    expect(value('changeoverSeconds')).toBe('0.2')
    expect(value('instanceTypes.0.name')).toBe('g5.xlarge')
    expect(value('name')).toBe('finetune what-if')
    await w.find('[data-test="whatif-form"]').trigger('submit')
    await flush()
    const config = (client.startSimulation.mock.calls[0][0] as { config: SimulationConfig }).config
    expect(config.workload).toEqual({ kind: 'deadline', computeHours: 6, deadlineHours: 9 })
    expect(config.policies).toEqual(['ondemand', 'uniform-progress'])
    expect(config.instanceTypes[0]).toMatchObject({ name: 'g5.xlarge', meanSpotPrice: 0.35 })
  })
})
