// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { ClientError } from '@renderer/api/client'
import { CLIENT_KEY } from '@renderer/api/use-client'
import { toDatetimeLocal } from '@renderer/format/format'
import { useNavigationStore } from '@renderer/stores/navigation'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { useSimulationsStore } from '@renderer/stores/simulations'
import {
  MIN,
  T0,
  fakeClient,
  flush,
  managed,
  scenario,
  type FakeClient
} from '../../../../test/support/renderer/fake-client'
import ReplayView from './ReplayView.vue'

let pinia: Pinia
let client: FakeClient
let wrapper: VueWrapper | null = null

const FROM = T0
const TO = T0 + 90 * MIN

async function mountLoaded(): Promise<VueWrapper> {
  wrapper = mount(ReplayView, {
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
    attachTo: document.body
  })
  await wrapper.find('[data-test="replay-from"]').setValue(toDatetimeLocal(FROM))
  await wrapper.find('[data-test="replay-to"]').setValue(toDatetimeLocal(TO))
  await wrapper.find('form').trigger('submit')
  await flush()
  return wrapper
}

const rows = (w: VueWrapper) =>
  w.findAll('[data-test="replay-table"] tbody tr').map((r) => r.attributes('data-row'))
const stateOf = (w: VueWrapper, id: string) =>
  w.find(`[data-test="replay-table"] tr[data-row="${id}"] [data-state]`).attributes('data-state')

describe('ReplayView', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']
    })
    vi.setSystemTime(T0 + 3 * 60 * MIN)
    history.replaceState(null, '', '#/replay')
    pinia = createPinia()
    setActivePinia(pinia)
    client = fakeClient()
    client.events.mockResolvedValue(scenario())
    // fleetAt(from) is inclusive: a's launch at exactly `from` is already in it
    client.fleetAt.mockResolvedValue([managed('a', { state: 'pending', launchedAt: T0 })])
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    document.body.innerHTML = ''
    vi.useRealTimers()
  })

  it('loads the window: its events and the fleet at its start', async () => {
    const w = await mountLoaded()
    expect(client.events).toHaveBeenCalledWith({ from: FROM, to: TO, limit: 100_000 })
    expect(client.fleetAt).toHaveBeenCalledWith({ at: FROM })
    expect(rows(w)).toEqual(['a'])
    expect(stateOf(w, 'a')).toBe('pending') // the launch at `from` was not applied twice
    expect(w.find('[data-test="player"]').text()).toContain('event 1 of 8')
  })

  it('steps event by event, forwards and back', async () => {
    const w = await mountLoaded()
    // drawn icons, not symbol-font characters that render as empty boxes without the font
    for (const id of ['step-back', 'play', 'step']) {
      const button = w.find(`[data-test="${id}"]`)
      expect(button.find('svg path').attributes('d')).toBeTruthy()
      expect(button.text()).not.toMatch(/[\u23ee\u23ed\u25b6\u275a]/)
    }
    await w.find('[data-test="step"]').trigger('click')
    expect(stateOf(w, 'a')).toBe('running')
    await w.find('[data-test="step"]').trigger('click')
    expect(rows(w)).toEqual(['a', 'b'])
    await w.find('[data-test="step-back"]').trigger('click')
    expect(rows(w)).toEqual(['a'])
    expect(stateOf(w, 'a')).toBe('running')
  })

  it('plays back at the chosen speed, shows the notice countdown in replay time, and stops at the end', async () => {
    const w = await mountLoaded()
    await w.find('[data-speed="3600"]').trigger('click')
    await w.find('[data-test="play"]').trigger('click')
    expect(w.find('[data-test="play"]').attributes('aria-label')).toBe('Pause')
    vi.advanceTimersByTime(1000) // one hour of replay
    await flush()
    expect(rows(w)).toEqual(['a', 'b'])
    expect(stateOf(w, 'a')).toBe('draining')
    expect(w.find('[data-test="replay-table"] .countdown').text()).toBe('02:00')
    vi.advanceTimersByTime(2000)
    await flush()
    expect(rows(w)).toEqual(['b'])
    expect(w.find('[data-test="play"]').attributes('aria-label')).toBe('Play')
    expect(w.find('[data-test="player"]').text()).toContain('100%')
  })

  it('moves with the position slider', async () => {
    const w = await mountLoaded()
    const slider = w.find('[data-test="slider"]')
    ;(slider.element as HTMLInputElement).value = String(T0 + 61 * MIN)
    await slider.trigger('input')
    expect(rows(w)).toEqual(['a', 'b'])
    expect(stateOf(w, 'a')).toBe('draining')
  })

  it('"What-if on this window" exports the trace, hands it over and opens What-if', async () => {
    const traces = [{ zone: 'sandbox-1a', json: '{"points":[]}' }]
    client.exportTrace.mockResolvedValue(traces)
    const w = await mountLoaded()
    await w.find('[data-test="whatif"]').trigger('click')
    await flush()
    expect(client.exportTrace).toHaveBeenCalledWith({ from: FROM, to: TO })
    expect(useSimulationsStore().pendingReplayTrace).toEqual({ traces, from: FROM, to: TO })
    expect(useNavigationStore().current).toBe('whatif')
    expect(location.hash).toBe('#/whatif')
  })

  it('does not navigate when there is nothing to simulate or the export fails', async () => {
    const w = await mountLoaded()
    await w.find('[data-test="whatif"]').trigger('click')
    await flush()
    expect(useNotificationsStore().toasts[0]).toMatchObject({
      kind: 'warning',
      title: 'Nothing to simulate'
    })
    client.exportTrace.mockRejectedValue(
      new ClientError('bad-request', 'exportTrace: "to" must be after "from"')
    )
    await w.find('[data-test="whatif"]').trigger('click')
    await flush()
    expect(
      useNotificationsStore().toasts.some(
        (t) => t.kind === 'error' && t.message.includes('"to" must be after "from"')
      )
    ).toBe(true)
    expect(useSimulationsStore().pendingReplayTrace).toBeNull()
    expect(useNavigationStore().current).not.toBe('whatif')
  })

  it('validates the window inline', async () => {
    wrapper = mount(ReplayView, {
      global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } }
    })
    await wrapper.find('[data-test="replay-from"]').setValue(toDatetimeLocal(TO))
    await wrapper.find('[data-test="replay-to"]').setValue(toDatetimeLocal(FROM))
    expect(wrapper.find('[role="alert"]').text()).toBe('The end must be after the start.')
    expect(wrapper.find('[data-test="replay-load"]').attributes('disabled')).toBeDefined()
  })
})
