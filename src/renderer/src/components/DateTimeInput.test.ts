// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import { fromDatetimeLocal } from '@renderer/format/format'
import DateTimeInput from './DateTimeInput.vue'

function mountInput(initial: string) {
  const value = ref(initial)
  const Host = defineComponent({
    setup: () => () =>
      h(DateTimeInput, {
        modelValue: value.value,
        'onUpdate:modelValue': (v: string) => (value.value = v),
        id: 'when'
      })
  })
  return { w: mount(Host), value }
}

describe('DateTimeInput', () => {
  it('shows and reads a 24-hour time, whatever the locale', async () => {
    const { w, value } = mountInput('2026-12-01T09:30')
    const input = w.find('input')
    expect((input.element as HTMLInputElement).value).toBe('2026-12-01 09:30')
    expect(input.attributes('id')).toBe('when')
    expect(input.attributes('type')).toBe('text')
    await input.setValue('2026-12-01 17:05')
    expect(value.value).toBe('2026-12-01T17:05')
    expect(new Date(fromDatetimeLocal(value.value)).getHours()).toBe(17)
    await input.setValue('2026-2-3 7:05')
    expect(value.value).toBe('2026-02-03T07:05')
  })

  it('gives no value for a time that is not real, and keeps what is typed', async () => {
    const { w, value } = mountInput('2026-12-01T09:30')
    const input = w.find('input')
    for (const bad of ['2026-12-01 24:00', '2026-02-30 10:00', '2026-12-01 5 pm', '']) {
      await input.setValue(bad)
      expect(value.value).toBe('')
      expect((input.element as HTMLInputElement).value).toBe(bad)
    }
  })

  it('follows a change from outside (a preset)', async () => {
    const { w, value } = mountInput('2026-12-01T09:30')
    value.value = '2026-12-02T23:59'
    await nextTick()
    expect((w.find('input').element as HTMLInputElement).value).toBe('2026-12-02 23:59')
  })
})
