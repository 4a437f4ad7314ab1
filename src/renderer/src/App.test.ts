// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { ClientError } from './api/client'
import { CLIENT_KEY } from './api/use-client'
import { useFleetStore } from './stores/fleet'
import { useNavigationStore } from './stores/navigation'
import { useNotificationsStore } from './stores/notifications'
import { THEME_STORAGE_KEY } from './stores/theme'
import {
  STATUS,
  fakeClient,
  flush,
  instanceView,
  type FakeClient
} from '../../../test/support/renderer/fake-client'
import App from './App.vue'

// the views are tested on their own; here they are placeholders that say which one is shown
const { stubView } = vi.hoisted(() => ({
  stubView: (id: string) => ({
    default: defineComponent({
      name: `${id}-stub`,
      render: () => h('div', { 'data-stub': id }, id)
    })
  })
}))
vi.mock('./views/WorkloadsView.vue', () => stubView('workloads'))
vi.mock('./views/FleetView.vue', () => stubView('fleet'))
vi.mock('./views/TimelineView.vue', () => stubView('timeline'))
vi.mock('./views/CostsView.vue', () => stubView('costs'))
vi.mock('./views/WhatIfView.vue', () => stubView('whatif'))
vi.mock('./views/ReplayView.vue', () => stubView('replay'))
vi.mock('./views/SettingsView.vue', () => stubView('settings'))

let pinia: Pinia
let client: FakeClient
let wrapper: VueWrapper | null = null

async function mountApp(): Promise<VueWrapper> {
  wrapper = mount(App, {
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
    attachTo: document.body
  })
  await flush()
  return wrapper
}

const link = (w: VueWrapper, view: string) => w.find(`a[data-view="${view}"]`)
const shown = (w: VueWrapper) => w.find('main').attributes('data-view')

describe('App shell', () => {
  beforeEach(() => {
    history.replaceState(null, '', '#/workloads')
    localStorage.clear()
    pinia = createPinia()
    setActivePinia(pinia)
    client = fakeClient()
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    document.body.innerHTML = ''
  })

  it('shows the view named by the hash, so a reload keeps it', async () => {
    history.replaceState(null, '', '#/timeline')
    setActivePinia((pinia = createPinia()))
    const w = await mountApp()
    expect(shown(w)).toBe('timeline')
    expect(w.find('[data-stub="timeline"]').exists()).toBe(true)
    expect(link(w, 'timeline').attributes('aria-current')).toBe('page')
    expect(link(w, 'fleet').attributes('aria-current')).toBeUndefined()
  })

  it('follows hash changes (back / forward, typed URLs)', async () => {
    const w = await mountApp()
    expect(shown(w)).toBe('workloads')
    location.hash = '#/replay'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    await flush()
    expect(shown(w)).toBe('replay')
    expect(w.find('[data-stub="replay"]').exists()).toBe(true)
  })

  it('replaces a foreign hash (the daemon token) with the view', async () => {
    history.replaceState(null, '', '#token=secret')
    setActivePinia((pinia = createPinia()))
    const w = await mountApp()
    expect(shown(w)).toBe('workloads')
    expect(location.hash).toBe('#/workloads')
  })

  it('navigates with the keyboard: arrows move focus, Enter opens, Home/End jump', async () => {
    const w = await mountApp()
    const first = link(w, 'workloads')
    expect(first.attributes('tabindex')).toBe('0')
    expect(link(w, 'fleet').attributes('tabindex')).toBe('-1')
    ;(first.element as HTMLElement).focus()
    await first.trigger('keydown', { key: 'ArrowDown' })
    expect(document.activeElement).toBe(link(w, 'fleet').element)
    await link(w, 'fleet').trigger('keydown', { key: 'ArrowDown' })
    expect(document.activeElement).toBe(link(w, 'timeline').element)
    await link(w, 'timeline').trigger('keydown', { key: 'Enter' })
    await flush()
    expect(shown(w)).toBe('timeline')
    expect(location.hash).toBe('#/timeline')
    expect(link(w, 'timeline').attributes('aria-current')).toBe('page')
    await link(w, 'timeline').trigger('keydown', { key: 'End' })
    expect(document.activeElement).toBe(link(w, 'settings').element)
    await link(w, 'settings').trigger('keydown', { key: 'ArrowDown' }) // wraps
    expect(document.activeElement).toBe(link(w, 'workloads').element)
    await link(w, 'workloads').trigger('keydown', { key: 'ArrowUp' })
    expect(document.activeElement).toBe(link(w, 'settings').element)
    await link(w, 'settings').trigger('keydown', { key: ' ' })
    await flush()
    expect(shown(w)).toBe('settings')
  })

  it('opens a view on click and with Ctrl+number', async () => {
    const w = await mountApp()
    await link(w, 'whatif').trigger('click', { button: 0 })
    await flush()
    expect(shown(w)).toBe('whatif')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '6', ctrlKey: true }))
    await flush()
    expect(shown(w)).toBe('replay')
    expect(useNavigationStore().current).toBe('replay')
  })

  it('subscribes to the live stream once and dispatches into the stores', async () => {
    const w = await mountApp()
    expect(client.subscribe).toHaveBeenCalledTimes(1)
    client.emit({ type: 'fleet', instances: [instanceView('i-9')] })
    client.emit({ type: 'status', status: { ...STATUS, message: 'draining i-9' } })
    await flush()
    expect(useFleetStore().instances.map((i) => i.id)).toEqual(['i-9'])
    expect(w.find('[data-test="engine-message"]').text()).toBe('draining i-9')
    expect(w.find('[data-test="mode"]').text()).toBe('SANDBOX ×360')
    client.emit({ type: 'status', status: { ...STATUS, speed: 1 } })
    await flush()
    expect(w.find('[data-test="mode"]').text()).toBe('SANDBOX')
    client.emit({ type: 'status', status: { ...STATUS, speed: 360 } })
    await flush()
    expect(w.find('[data-test="mode"]').text()).toBe('SANDBOX ×360')
    expect(w.find('[data-test="connection"]').text()).toContain('Live')
    w.unmount()
    wrapper = null
    expect(client.listeners.size).toBe(0)
  })

  it('loads status and the fleet on start', async () => {
    await mountApp()
    expect(client.status).toHaveBeenCalled()
    expect(client.listInstances).toHaveBeenCalled()
  })

  it('shows an unreachable engine as offline, with a toast', async () => {
    client.status.mockRejectedValue(new ClientError('failed', 'the Synkti daemon is not reachable'))
    const w = await mountApp()
    expect(w.find('[data-test="connection"]').text()).toContain('Offline')
    expect(
      useNotificationsStore().toasts.some((t) => t.message === 'the Synkti daemon is not reachable')
    ).toBe(true)
  })

  it('renders toasts from the store', async () => {
    const w = await mountApp()
    useNotificationsStore().error(new ClientError('failed', 'boom'), 'Could not drain')
    await flush()
    const toast = w.find('[data-test="toast"]')
    expect(toast.text()).toContain('Could not drain')
    expect(toast.text()).toContain('boom')
    await toast.find('button').trigger('click')
    expect(w.find('[data-test="toast"]').exists()).toBe(false)
  })

  it('toggles the theme and remembers it', async () => {
    const w = await mountApp()
    const before = document.documentElement.dataset.theme
    expect(before === 'light' || before === 'dark').toBe(true)
    await w.find('[data-test="theme-toggle"]').trigger('click')
    await flush()
    const after = document.documentElement.dataset.theme
    expect(after).not.toBe(before)
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe(after)
  })
})
