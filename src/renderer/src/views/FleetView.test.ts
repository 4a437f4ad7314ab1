// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { DEFAULT_SETTINGS } from '@shared/api'
import { ClientError } from '@renderer/api/client'
import { CLIENT_KEY } from '@renderer/api/use-client'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { useStatusStore } from '@renderer/stores/status'
import {
  STATUS,
  T0,
  fakeClient,
  flush,
  instanceView,
  type FakeClient
} from '../../../../test/support/renderer/fake-client'
import FleetView from './FleetView.vue'

let pinia: Pinia
let client: FakeClient
let wrapper: VueWrapper | null = null

async function mountFleet(): Promise<VueWrapper> {
  wrapper = mount(FleetView, {
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
    attachTo: document.body
  })
  await flush()
  return wrapper
}

const row = (w: VueWrapper, id: string) => w.find(`tr[data-row="${id}"]`)

describe('FleetView', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']
    })
    vi.setSystemTime(T0)
    pinia = createPinia()
    setActivePinia(pinia)
    client = fakeClient()
    client.listInstances.mockResolvedValue([
      instanceView('i-owned', { name: 'gpu-a', pricePerHour: 0.3521, costSoFar: 12.5 }),
      instanceView('i-foreign', {
        name: 'gpu-b',
        owned: false,
        state: 'draining',
        noticeDeadline: T0 + 125_000,
        market: 'ondemand'
      })
    ])
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    document.body.innerHTML = ''
    vi.useRealTimers()
  })

  it('renders a row per instance with its figures', async () => {
    const w = await mountFleet()
    expect(client.listInstances).toHaveBeenCalledTimes(1)
    expect(w.findAll('tbody tr')).toHaveLength(2)
    const text = row(w, 'i-owned').text()
    expect(text).toContain('gpu-a')
    expect(text).toContain('g5.xlarge')
    expect(text).toContain('1 × 24 GiB')
    expect(text).toContain('$0.35/h')
    expect(text).toContain('$1.01/h')
    expect(text).toContain('$12.50')
    expect(text).toContain('1h 02m')
    expect(text).toContain('llama-3.1-8b')
    expect(row(w, 'i-owned').find('.badge--spot').exists()).toBe(true)
    expect(row(w, 'i-foreign').find('.badge--ondemand').exists()).toBe(true)
    expect(row(w, 'i-foreign').classes()).toContain('row--draining')
  })

  it('shows uptime on the sandbox clock, the one its cost is billed on', async () => {
    useStatusStore().setStatus({ ...STATUS, speed: 360 })
    client.listInstances.mockResolvedValue([instanceView('i-fast', { uptimeSeconds: 10 })])
    const w = await mountFleet()
    // 10 real seconds at ×360 are one sandbox hour
    expect(row(w, 'i-fast').text()).toContain('1h 00m')
  })

  it('shows role and workload, short ids with copy, and filters by workload, market, zone and state', async () => {
    const writeText = vi.fn(async () => {})
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    client.listInstances.mockResolvedValue([
      instanceView('i-0123456789abcdef0', {
        tags: { 'synkti:fleet': 'synkti', 'synkti:workload': 'demo', 'synkti:role': 'serving' }
      }),
      instanceView('i-spare', {
        zone: 'sandbox-1b',
        tags: { 'synkti:fleet': 'synkti', 'synkti:workload': 'demo', 'synkti:role': 'standby' }
      }),
      instanceView('i-loose', { market: 'ondemand', state: 'pending' })
    ])
    const w = await mountFleet()
    const serving = row(w, 'i-0123456789abcdef0')
    expect(serving.text()).toContain('serving')
    expect(serving.text()).toContain('demo')
    expect(serving.find('.fleet-view__id').text()).toBe('i-012…def0')
    expect(serving.find('.fleet-view__id').attributes('title')).toBe('i-0123456789abcdef0')
    await serving.find('[data-test="copy-id"]').trigger('click')
    await flush()
    expect(writeText).toHaveBeenCalledWith('i-0123456789abcdef0')
    expect(row(w, 'i-spare').text()).toContain('standby')

    const shown = () => w.findAll('tbody tr').map((r) => r.attributes('data-row'))
    await w.find('[data-test="filter-workload"]').setValue('demo')
    expect(shown()).toEqual(['i-0123456789abcdef0', 'i-spare'])
    await w.find('[data-test="filter-zone"]').setValue('sandbox-1b')
    expect(shown()).toEqual(['i-spare'])
    expect(w.find('[data-test="filter-count"]').text()).toBe('1 of 3 shown')
    await w.find('[data-test="filter-zone"]').setValue('')
    await w.find('[data-test="filter-workload"]').setValue('(none)')
    expect(shown()).toEqual(['i-loose'])
    await w.find('[data-test="filter-workload"]').setValue('')
    await w.find('[data-test="filter-market"]').setValue('ondemand')
    await w.find('[data-test="filter-state"]').setValue('pending')
    expect(shown()).toEqual(['i-loose'])
  })

  it('counts a notice down on the sandbox clock too', async () => {
    useStatusStore().setStatus({ ...STATUS, now: T0, speed: 360 })
    client.listInstances.mockResolvedValue([
      instanceView('i-noticed', { state: 'draining', noticeDeadline: T0 + 1000 })
    ])
    const w = await mountFleet()
    // one real second left is six sandbox minutes
    expect(row(w, 'i-noticed').text()).toContain('06:00')
  })

  it('counts down to the notice deadline every second and stops at 00:00', async () => {
    const w = await mountFleet()
    const countdown = () => row(w, 'i-foreign').find('.countdown')
    expect(countdown().text()).toBe('02:05')
    vi.advanceTimersByTime(1000)
    await flush()
    expect(countdown().text()).toBe('02:04')
    vi.advanceTimersByTime(200_000)
    await flush()
    expect(countdown().text()).toBe('00:00')
    expect(countdown().classes()).toContain('countdown--expired')
  })

  it('offers Terminate only for owned instances', async () => {
    const w = await mountFleet()
    expect(row(w, 'i-owned').find('[data-test="terminate"]').exists()).toBe(true)
    expect(row(w, 'i-foreign').find('[data-test="terminate"]').exists()).toBe(false)
    expect(row(w, 'i-foreign').text()).toContain('not owned')
  })

  it('asks for confirmation naming the instance, then terminates it', async () => {
    const w = await mountFleet()
    await row(w, 'i-owned').find('[data-test="terminate"]').trigger('click')
    const dialog = w.find('[role="dialog"]')
    expect(dialog.exists()).toBe(true)
    expect(dialog.text()).toContain('Terminate gpu-a (i-owned)?')
    expect(client.terminateInstance).not.toHaveBeenCalled()
    // focus starts on Cancel, not on the destructive button
    expect(document.activeElement?.getAttribute('data-test')).toBe('confirm-cancel')
    await dialog.find('[data-test="confirm-ok"]').trigger('click')
    await flush()
    expect(client.terminateInstance).toHaveBeenCalledWith({ instanceId: 'i-owned' })
    expect(w.find('[role="dialog"]').exists()).toBe(false)
    expect(useNotificationsStore().toasts[0]).toMatchObject({ kind: 'success' })
  })

  it('cancelling (or Escape) does not terminate', async () => {
    const w = await mountFleet()
    await row(w, 'i-owned').find('[data-test="terminate"]').trigger('click')
    await w.find('[role="dialog"]').trigger('keydown', { key: 'Escape' })
    expect(w.find('[role="dialog"]').exists()).toBe(false)
    expect(client.terminateInstance).not.toHaveBeenCalled()
  })

  it("shows the ClientError's message in an error toast", async () => {
    client.terminateInstance.mockRejectedValue(
      new ClientError('failed', 'UnauthorizedOperation: not allowed to terminate i-owned')
    )
    const w = await mountFleet()
    await row(w, 'i-owned').find('[data-test="terminate"]').trigger('click')
    await w.find('[data-test="confirm-ok"]').trigger('click')
    await flush()
    const toasts = useNotificationsStore().toasts
    expect(toasts).toHaveLength(1)
    expect(toasts[0]).toMatchObject({
      kind: 'error',
      message: 'UnauthorizedOperation: not allowed to terminate i-owned'
    })
    expect(toasts[0].title).toContain('gpu-a')
  })

  it('drains after confirmation and shows the outcome', async () => {
    client.drainInstance.mockResolvedValue({
      outcome: 'timed-out',
      startedAt: T0,
      endedAt: T0 + 30_000,
      deregisterMs: 12,
      lastRunning: 2,
      lastWaiting: 1,
      reason: 'requests still running at the deadline'
    })
    const w = await mountFleet()
    await row(w, 'i-owned').find('[data-test="drain"]').trigger('click')
    expect(w.find('[role="dialog"]').text()).toContain('Drain gpu-a (i-owned)?')
    await w.find('[data-test="confirm-ok"]').trigger('click')
    await flush()
    expect(client.drainInstance).toHaveBeenCalledWith({ instanceId: 'i-owned' })
    expect(row(w, 'i-owned').find('[data-test="drain-outcome"]').text()).toBe('timed-out')
    const toast = useNotificationsStore().toasts[0]
    expect(toast.kind).toBe('warning')
    expect(toast.message).toContain('requests still running at the deadline')
  })

  it('validates the launch form inline and launches', async () => {
    const w = await mountFleet()
    await w.find('[data-test="launch"]').trigger('click')
    await flush()
    const type = w.find('[data-test="launch-type"]')
    expect((type.element as HTMLInputElement).value).toBe('g5.xlarge') // first known type
    await type.setValue('not a type')
    await w.find('[data-test="launch-submit"]').trigger('click')
    expect(w.find('.field__msg--error').text()).toContain('family.size')
    expect(client.launchInstance).not.toHaveBeenCalled()
    await type.setValue('g6e.xlarge')
    await w.find('[data-test="launch-ondemand"]').setValue(true)
    await w.find('[data-test="launch-model"]').setValue('qwen2.5-7b')
    await w.find('[data-test="launch-submit"]').trigger('click')
    await flush()
    expect(client.launchInstance).toHaveBeenCalledWith({
      instanceType: 'g6e.xlarge',
      market: 'ondemand',
      model: 'qwen2.5-7b'
    })
    expect(w.find('[data-test="launch-form"]').exists()).toBe(false)
  })

  it('hides the columns the person unticks and remembers the choice', async () => {
    localStorage.clear()
    const headers = (w: VueWrapper): string[] =>
      w.findAll('[data-test="fleet-table"] thead th').map((th) => th.text())
    let w = await mountFleet()
    expect(headers(w)).toContain('Model')
    await w.find('[data-test="column-chooser"] input[data-column="model"]').setValue(false)
    await w.find('[data-test="column-chooser"] input[data-column="costSoFar"]').setValue(false)
    expect(headers(w)).not.toContain('Model')
    expect(headers(w).some((h) => h.startsWith('Cost'))).toBe(false)
    expect(headers(w)[0]).toContain('Name')
    expect(headers(w).at(-1)).toBe('Actions')
    expect(w.find('[data-test="column-chooser"] summary').text()).toContain('2 hidden')
    w.unmount()
    wrapper = null
    w = await mountFleet()
    expect(headers(w)).not.toContain('Model')
    await w.find('[data-test="column-chooser"] input[data-column="model"]').setValue(true)
    expect(headers(w)).toContain('Model')
    localStorage.clear()
  })

  it('starts the launch form from the fleet settings, afresh at every opening', async () => {
    client.getSettings.mockResolvedValue({
      ...DEFAULT_SETTINGS,
      fleet: { ...DEFAULT_SETTINGS.fleet, instanceType: 'g6.2xlarge', model: 'qwen2.5-7b' }
    })
    client.launchInstance.mockRejectedValue(new ClientError('failed', 'no capacity'))
    const w = await mountFleet()
    await w.find('[data-test="launch"]').trigger('click')
    await flush()
    const type = (): HTMLInputElement =>
      w.find('[data-test="launch-type"]').element as HTMLInputElement
    expect(type().value).toBe('g6.2xlarge')
    expect((w.find('[data-test="launch-spot"]').element as HTMLInputElement).checked).toBe(true)
    expect(w.find('[data-test="launch-model"]').attributes('placeholder')).toContain('qwen2.5-7b')
    // one radio group: both market radios share a name (one tab stop, arrow keys move within)
    const names = w.findAll('input[type="radio"]').map((r) => r.attributes('name'))
    expect(names[0]).toBeTruthy()
    expect(new Set(names).size).toBe(1)
    // a draft the engine refuses ...
    await w.find('[data-test="launch-type"]').setValue('p4d.24xlarge')
    await w.find('[data-test="launch-ondemand"]').setValue(true)
    await w.find('[data-test="launch-name"]').setValue('big one')
    await w.find('[data-test="launch-submit"]').trigger('click')
    await flush()
    expect(w.find('[data-test="launch-form"]').exists()).toBe(true)
    await w.find('.modal__actions .btn:not(.btn--primary)').trigger('click')
    // ... is gone when the dialog opens again
    await w.find('[data-test="launch"]').trigger('click')
    await flush()
    expect(type().value).toBe('g6.2xlarge')
    expect((w.find('[data-test="launch-spot"]').element as HTMLInputElement).checked).toBe(true)
    expect((w.find('[data-test="launch-name"]').element as HTMLInputElement).value).toBe('')
  })

  it('closes the launch dialog with Escape after a click on the disabled Launch button', async () => {
    const w = await mountFleet()
    await w.find('[data-test="launch"]').trigger('click')
    await flush()
    await w.find('[data-test="launch-type"]').setValue('')
    await w.find('[data-test="launch-submit"]').trigger('click')
    expect(w.find('[data-test="launch-submit"]').attributes('disabled')).toBeDefined()
    // a click on a disabled button leaves the focus on <body>, outside the dialog
    ;(document.activeElement as HTMLElement | null)?.blur()
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await flush()
    expect(w.find('[data-test="launch-form"]').exists()).toBe(false)
  })

  it('keeps the launch dialog open and toasts the refusal', async () => {
    client.launchInstance.mockRejectedValue(
      new ClientError('failed', 'budget cap of $2.00/h reached')
    )
    const w = await mountFleet()
    await w.find('[data-test="launch"]').trigger('click')
    await flush()
    await w.find('[data-test="launch-submit"]').trigger('click')
    await flush()
    expect(useNotificationsStore().toasts[0]).toMatchObject({
      kind: 'error',
      message: 'budget cap of $2.00/h reached'
    })
    expect(w.find('[data-test="launch-form"]').exists()).toBe(true)
  })

  it('shows an empty state with a sandbox hint', async () => {
    client.listInstances.mockResolvedValue([])
    useStatusStore().setStatus(STATUS)
    const w = await mountFleet()
    const empty = w.find('[data-test="fleet-empty"]')
    expect(empty.exists()).toBe(true)
    expect(empty.text()).toContain('sandbox mode')
  })

  it('shows a failed load in a toast', async () => {
    client.listInstances.mockRejectedValue(
      new ClientError('failed', 'the Synkti daemon is not reachable')
    )
    await mountFleet()
    expect(useNotificationsStore().toasts[0]).toMatchObject({
      kind: 'error',
      message: 'the Synkti daemon is not reachable'
    })
  })
})
