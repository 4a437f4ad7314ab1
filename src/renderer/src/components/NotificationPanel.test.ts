// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { useStatusStore } from '@renderer/stores/status'
import { STATUS, T0, flush } from '../../../../test/support/renderer/fake-client'
import StatusBar from './StatusBar.vue'
import ToastHost from './ToastHost.vue'

let wrapper: VueWrapper | null = null

describe('notification history and failover toasts', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useStatusStore().setStatus(STATUS, T0)
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    document.body.innerHTML = ''
  })

  it('opens the history from the status bar by keyboard, lists every notification, Escape closes it', async () => {
    const store = useNotificationsStore()
    store.warning('Budget reached', 'a launch was refused')
    await store.notifyFleetEvent({
      at: T0,
      kind: 'failover-phase',
      instanceId: 'i-1',
      data: { phase: 'draining' }
    })
    wrapper = mount(StatusBar, { attachTo: document.body })
    const button = wrapper.find('[data-test="open-notifications"]')
    expect(button.element.tagName).toBe('BUTTON')
    expect(button.attributes('aria-label')).toBe('Notifications, 2 new')
    ;(button.element as HTMLButtonElement).focus()
    await button.trigger('click')
    await flush()
    const dialog = document.querySelector('[role="dialog"]') as HTMLElement
    expect(dialog).not.toBeNull()
    const items = [...dialog.querySelectorAll('[data-test="notification"]')].map(
      (n) => n.textContent
    )
    expect(items).toHaveLength(2)
    expect(items[0]).toContain('Failover: i-1')
    expect(items[0]).toContain('draining')
    expect(items[1]).toContain('Budget reached')
    expect(button.attributes('aria-label')).toBe('Notifications')
    // focus moved into the dialog; Escape closes it and gives focus back
    expect(dialog.contains(document.activeElement)).toBe(true)
    dialog.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await flush()
    expect(document.querySelector('[role="dialog"]')).toBeNull()
    expect(document.activeElement).toBe(button.element)
  })

  it('shows a failover toast with its phases; closing it keeps it closed', async () => {
    const store = useNotificationsStore()
    wrapper = mount(ToastHost, { attachTo: document.body })
    const event = (phase: string) =>
      store.notifyFleetEvent({
        at: T0,
        kind: 'failover-phase',
        instanceId: 'i-1',
        data: { phase }
      })
    await event('noticed')
    await event('draining')
    await flush()
    const toasts = wrapper.findAll('[data-test="toast"]')
    expect(toasts).toHaveLength(1)
    expect(toasts[0].find('[data-test="toast-steps"]').text()).toBe('noticeddraining')
    await toasts[0].find('button[aria-label="Dismiss"]').trigger('click')
    await event('routed')
    await flush()
    expect(wrapper.findAll('[data-test="toast"]')).toHaveLength(0)
  })
})
