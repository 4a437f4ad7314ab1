// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { JobView, WorkloadView } from '@shared/api'
import { ClientError } from '@renderer/api/client'
import { CLIENT_KEY } from '@renderer/api/use-client'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { WORKLOADS_POLL_MS } from '@renderer/stores/workloads'
import {
  T0,
  fakeClient,
  flush,
  serviceWorkload,
  type FakeClient
} from '../../../../test/support/renderer/fake-client'
import WorkloadsView from './WorkloadsView.vue'

// ECharts cannot draw in happy-dom: VChart is a stub that exposes its option's series
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    name: 'VChart',
    props: ['option', 'loading', 'autoresize'],
    setup(props) {
      return () => {
        const series = (props.option as { series: { id: string; data: unknown[] }[] }).series
        return h('div', {
          'data-test': 'vchart',
          'data-series': series.map((s) => `${s.id}:${s.data.length}`).join(',')
        })
      }
    }
  })
}))

const JOB_SPEC = {
  kind: 'job',
  name: 'finetune',
  workHours: 6,
  deadlineHours: 9,
  changeoverHours: 0.2,
  policy: 'uniform-progress'
}

/** the job of the running-job test: 1.8 h of 6 h done, 3 h in, on demand on the safety net */
function runningJob(job: Partial<JobView> = {}): WorkloadView {
  return serviceWorkload('finetune', {
    kind: 'job',
    spec: JOB_SPEC,
    desired: { replicas: 0, standby: 0 },
    router: undefined,
    instances: [],
    job: {
      progressHours: 1.8,
      workHours: 6,
      expectedProgressHours: 2,
      elapsedHours: 3,
      deadlineHours: 9,
      checkpointedHours: 1.5,
      checkpoints: 3,
      preemptions: 1,
      safetyNet: true,
      decision: 'ondemand',
      reason: 'behind uniform progress',
      reasonAtHours: 2.5,
      trail: [
        [0, 0],
        [0.2, 0],
        [1.9, 1.7],
        [1.9, 1.5],
        [3, 1.8]
      ],
      costSoFar: 3.25,
      ondemandCostSoFar: 9.18,
      ...job
    }
  })
}

let pinia: Pinia
let client: FakeClient
let wrapper: VueWrapper | null = null

async function mountView(): Promise<VueWrapper> {
  wrapper = mount(WorkloadsView, {
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
    attachTo: document.body
  })
  await flush()
  return wrapper
}

const card = (w: VueWrapper, name: string) => w.find(`[data-workload="${name}"]`)
const field = (w: VueWrapper, name: string, test: string) =>
  card(w, name).find(`[data-test="${test}"]`).text()

describe('WorkloadsView', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']
    })
    vi.setSystemTime(T0)
    pinia = createPinia()
    setActivePinia(pinia)
    client = fakeClient()
    client.listWorkloads.mockResolvedValue([serviceWorkload('llama')])
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    document.body.innerHTML = ''
    vi.useRealTimers()
  })

  it('shows per service desired vs ready, the mix, router figures, recoveries, cost and savings', async () => {
    const w = await mountView()
    expect(field(w, 'llama', 'ready')).toBe('2 / 3')
    expect(field(w, 'llama', 'standby')).toBe('1 / 1')
    expect(field(w, 'llama', 'mix')).toBe('3 · 1')
    expect(field(w, 'llama', 'rps')).toBe('12.5')
    expect(field(w, 'llama', 'errors')).toBe('1.5%')
    expect(field(w, 'llama', 'latency')).toBe('180 ms · 950 ms')
    expect(field(w, 'llama', 'recoveries')).toBe('4 (1 open)')
    expect(field(w, 'llama', 'cost')).toBe('$2.06/h')
    expect(field(w, 'llama', 'savings')).toBe('49%')
    expect(field(w, 'llama', 'health')).toBe('fewer replicas ready than wanted')
  })

  it('says a service routed by an ELBv2 target group has its request figures in CloudWatch', async () => {
    const arn =
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/chat/0123456789abcdef'
    client.listWorkloads.mockResolvedValue([
      serviceWorkload('llama', {
        router: {
          requests: 0,
          errors: 0,
          requestsPerSecond: 0,
          p50Ms: null,
          p99Ms: null,
          targetGroupArn: arn
        }
      })
    ])
    const w = await mountView()
    expect(field(w, 'llama', 'rps')).toBe('—')
    expect(field(w, 'llama', 'router-note')).toBe(
      'Routed by the ELBv2 target group chat: its request figures are in CloudWatch.'
    )
    expect(card(w, 'llama').text()).not.toContain('No router statistics yet')
  })

  it('polls listWorkloads and shows the new figures', async () => {
    const w = await mountView()
    expect(client.listWorkloads).toHaveBeenCalledTimes(1)
    client.listWorkloads.mockResolvedValue([serviceWorkload('llama', { ready: 3, recoveries: 5 })])
    vi.advanceTimersByTime(WORKLOADS_POLL_MS)
    await flush()
    expect(client.listWorkloads).toHaveBeenCalledTimes(2)
    expect(field(w, 'llama', 'ready')).toBe('3 / 3')
    expect(field(w, 'llama', 'recoveries')).toBe('5 (1 open)')
    expect(field(w, 'llama', 'health')).toBe('all replicas ready')
  })

  it('shows a job before its first decision with what its spec says', async () => {
    client.listWorkloads.mockResolvedValue([
      serviceWorkload('finetune', {
        kind: 'job',
        spec: JOB_SPEC,
        desired: { replicas: 0, standby: 0 },
        router: undefined,
        instances: []
      })
    ])
    const w = await mountView()
    const text = card(w, 'finetune').text()
    expect(text).toContain('policy uniform-progress')
    expect(text).toContain('6 h')
    expect(text).toContain('9 h after submission')
    expect(field(w, 'finetune', 'job-note')).toContain('first decision')
    expect(card(w, 'finetune').find('[data-test="vchart"]').exists()).toBe(false)
  })

  it('shows a running job: its progress chart with ep(t) and the safety net, the decision and why, checkpoints and cost', async () => {
    client.listWorkloads.mockResolvedValue([runningJob()])
    const w = await mountView()
    const chart = card(w, 'finetune').find('[data-test="vchart"]')
    expect(chart.attributes('data-series')).toBe('progress:5,expected:2,safety-net:2')
    expect(card(w, 'finetune').find('[role="img"]').attributes('aria-label')).toContain(
      'expected 2.00 h'
    )
    expect(field(w, 'finetune', 'decision')).toContain('on on-demand')
    expect(field(w, 'finetune', 'decision')).toContain('behind uniform progress')
    // the reason's figures are of when it was decided, and the card says when that was
    expect(field(w, 'finetune', 'reason-at')).toBe('(decided at 2.50 h)')
    expect(field(w, 'finetune', 'safety-net')).toBe('safety net')
    expect(field(w, 'finetune', 'progress')).toBe('1.80 h / 6 h (30%)')
    expect(field(w, 'finetune', 'expected')).toBe('2.00 h (-0.20)')
    expect(field(w, 'finetune', 'checkpoints')).toBe('3 (saved 1.50 h)')
    expect(field(w, 'finetune', 'job-cost')).toBe('$3.25 vs $9.18')
    expect(field(w, 'finetune', 'job-savings')).toBe('65%')
    expect(field(w, 'finetune', 'job-state')).toBe('running')
  })

  it('shows a job whose command failed: failed, with the exit code and why, not running', async () => {
    client.listWorkloads.mockResolvedValue([
      runningJob({
        safetyNet: false,
        decision: 'idle',
        reason: 'failed at 3.00 h: the command exited with code 3; stopped, not retried',
        reasonAtHours: undefined,
        failed: { exitCode: 3, phase: 'run', atHours: 3 }
      })
    ])
    const w = await mountView()
    expect(field(w, 'finetune', 'job-state')).toBe('failed')
    expect(card(w, 'finetune').find('[data-test="job-state"]').classes()).toContain(
      'workload-card__health--down'
    )
    expect(field(w, 'finetune', 'decision')).toMatch(
      /^Failed — failed at 3.00 h: the command exited with code 3/
    )
  })

  it('edits a job from its card: the editor opens with its applied spec', async () => {
    client.listWorkloads.mockResolvedValue([
      serviceWorkload('finetune', { kind: 'job', spec: JOB_SPEC, router: undefined })
    ])
    const w = await mountView()
    await card(w, 'finetune').find('[data-test="edit-workload"]').trigger('click')
    const area = w.find('[data-test="workload-text"]').element as HTMLTextAreaElement
    expect(JSON.parse(area.value)).toEqual(JOB_SPEC)
    await w.find('[data-test="example-job"]').trigger('click')
    expect(area.value).toContain('kind: job')
  })

  it('previews a dry run, then applies and closes the editor', async () => {
    client.applyWorkloads.mockResolvedValue({
      changes: [{ name: 'llama', kind: 'service', change: 'updated', generation: 2 }],
      dryRun: true
    })
    const w = await mountView()
    await w.find('[data-test="open-editor"]').trigger('click')
    await w.find('[data-test="workload-text"]').setValue('kind: service\nname: llama\n')
    await w.find('[data-test="dry-run"]').trigger('click')
    await flush()
    expect(client.applyWorkloads).toHaveBeenLastCalledWith({
      text: 'kind: service\nname: llama\n',
      file: 'workloads.yaml',
      dryRun: true
    })
    expect(w.find('[data-test="preview"]').text()).toContain('llama will be updated')

    client.applyWorkloads.mockResolvedValue({
      changes: [{ name: 'llama', kind: 'service', change: 'updated', generation: 2 }],
      dryRun: false
    })
    await w.find('[data-test="editor"]').trigger('submit')
    await flush()
    expect(client.applyWorkloads).toHaveBeenLastCalledWith(
      expect.objectContaining({ dryRun: false })
    )
    expect(w.find('[data-test="editor"]').exists()).toBe(false)
    expect(useNotificationsStore().toasts.map((t) => t.title)).toContain('Applied llama')
  })

  it('shows the server validation at the line and puts the caret there', async () => {
    client.applyWorkloads.mockRejectedValue(
      new ClientError(
        'bad-request',
        'workloads.yaml:3: unknown field "replica"\nworkloads.yaml:4: replicas: expected a whole number from 0 to 64, got 2.5'
      )
    )
    const w = await mountView()
    await w.find('[data-test="open-editor"]').trigger('click')
    const text = 'kind: service\nname: llama\nreplica: 2\nreplicas: 2.5\n'
    await w.find('[data-test="workload-text"]').setValue(text)
    await w.find('[data-test="apply"]').trigger('click')
    await w.find('[data-test="editor"]').trigger('submit')
    await flush()
    const problems = w.findAll('[data-test="problem"]')
    const parts = problems.map((p) => [
      p.find('button').text(),
      p.find('code').exists() ? p.find('code').text() : null,
      p.find('span').text()
    ])
    expect(parts).toEqual([
      ['line 3', null, 'unknown field "replica"'],
      ['line 4', 'replicas', 'expected a whole number from 0 to 64, got 2.5']
    ])
    expect(w.find('.workloads-view__gutter--bad').text()).toBe('3')
    expect(w.find('[data-test="workload-text"]').attributes('aria-invalid')).toBe('true')
    await problems[1].find('button').trigger('click')
    const area = w.find('[data-test="workload-text"]').element as HTMLTextAreaElement
    expect(document.activeElement).toBe(area)
    expect(text.slice(area.selectionStart, area.selectionEnd)).toBe('replicas: 2.5')
    // the editor stays open with the text so the fix can be made
    expect(w.find('[data-test="editor"]').exists()).toBe(true)
  })

  it('cancels a workload only after confirmation', async () => {
    const w = await mountView()
    await card(w, 'llama').find('[data-test="cancel-workload"]').trigger('click')
    await flush()
    expect(document.body.textContent).toContain('llama (service) will be cancelled')
    expect(client.cancelWorkload).not.toHaveBeenCalled()
    ;(document.querySelector('[data-test="confirm-ok"]') as HTMLButtonElement).click()
    await flush()
    expect(client.cancelWorkload).toHaveBeenCalledWith({ name: 'llama' })
  })

  it('says so when there is no workload, and when the list cannot be loaded', async () => {
    client.listWorkloads.mockResolvedValue([])
    let w = await mountView()
    expect(w.find('[data-test="workloads-empty"]').exists()).toBe(true)
    w.unmount()
    client.listWorkloads.mockRejectedValue(new ClientError('unavailable', 'engine is starting'))
    w = await mountView()
    expect(w.find('[data-test="workloads-error"]').text()).toContain('engine is starting')
  })
})
