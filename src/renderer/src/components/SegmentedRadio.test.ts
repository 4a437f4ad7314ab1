// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import SegmentedRadio from './SegmentedRadio.vue'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
})

function mountGroup(initial: number) {
  const value = ref(initial)
  const Host = defineComponent({
    setup: () => () =>
      h(SegmentedRadio<number>, {
        modelValue: value.value,
        'onUpdate:modelValue': (v: number) => (value.value = v),
        options: [1, 10, 60].map((v) => ({ value: v, label: `${v}×` })),
        label: 'Speed',
        dataKey: 'speed'
      })
  })
  wrapper = mount(Host, { attachTo: document.body })
  return { w: wrapper, value }
}

const tabStops = (w: VueWrapper): string[] =>
  w
    .findAll('[role="radio"]')
    .filter((b) => b.attributes('tabindex') === '0')
    .map((b) => b.text())

describe('SegmentedRadio', () => {
  it('is one tab stop, the chosen option, in a named radio group', () => {
    const { w } = mountGroup(10)
    expect(w.find('[role="radiogroup"]').attributes('aria-label')).toBe('Speed')
    expect(tabStops(w)).toEqual(['10×'])
    expect(w.find('[data-speed="10"]').attributes('aria-checked')).toBe('true')
  })

  it('moves the choice and the focus with the arrow keys, wrapping, and Home / End', async () => {
    const { w, value } = mountGroup(1)
    await w.find('[data-speed="1"]').trigger('keydown', { key: 'ArrowRight' })
    expect(value.value).toBe(10)
    expect(document.activeElement?.getAttribute('data-speed')).toBe('10')
    expect(tabStops(w)).toEqual(['10×'])
    await w.find('[data-speed="10"]').trigger('keydown', { key: 'ArrowLeft' })
    await w.find('[data-speed="1"]').trigger('keydown', { key: 'ArrowLeft' })
    expect(value.value).toBe(60)
    await w.find('[data-speed="60"]').trigger('keydown', { key: 'Home' })
    expect(value.value).toBe(1)
    await w.find('[data-speed="1"]').trigger('keydown', { key: 'End' })
    expect(value.value).toBe(60)
    await w.find('[data-speed="10"]').trigger('click')
    expect(value.value).toBe(10)
  })
})
