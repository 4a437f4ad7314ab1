// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { h } from 'vue'
import ModalDialog from './ModalDialog.vue'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
})

async function open(busy = false): Promise<VueWrapper> {
  wrapper = mount(ModalDialog, {
    props: { open: true, title: 'Launch', busy },
    slots: { actions: () => h('button', { disabled: true, 'data-test': 'off' }, 'Launch') },
    attachTo: document.body
  })
  await wrapper.vm.$nextTick()
  return wrapper
}

const escape = () => new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })

describe('ModalDialog', () => {
  it('closes on Escape even when focus fell to the page (a click on a disabled button)', async () => {
    const w = await open()
    ;(document.activeElement as HTMLElement | null)?.blur()
    expect(document.activeElement).toBe(document.body)
    document.dispatchEvent(escape())
    expect(w.emitted('close')).toHaveLength(1)
  })

  it('closes once on Escape inside the panel, and not while busy', async () => {
    let w = await open()
    w.find('[role="dialog"]').element.dispatchEvent(escape())
    expect(w.emitted('close')).toHaveLength(1)
    w.unmount()
    w = await open(true)
    document.dispatchEvent(escape())
    expect(w.emitted('close')).toBeUndefined()
  })

  it('stops listening once closed', async () => {
    const w = await open()
    await w.setProps({ open: false })
    document.dispatchEvent(escape())
    expect(w.emitted('close')).toBeUndefined()
  })
})
