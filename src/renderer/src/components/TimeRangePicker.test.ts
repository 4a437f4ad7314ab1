// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { useTimeRangeStore } from '@renderer/stores/time-range'
import TimeRangePicker from './TimeRangePicker.vue'

describe('TimeRangePicker', () => {
  let pinia: Pinia
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
  })

  it('is one Tab stop (the chosen range); arrow keys, Home and End move between the choices', async () => {
    const w = mount(TimeRangePicker, { global: { plugins: [pinia] }, attachTo: document.body })
    const stops = () =>
      w
        .findAll('[data-range]')
        .filter((b) => b.attributes('tabindex') === '0')
        .map((b) => b.attributes('data-range'))
    expect(stops()).toEqual(['fit'])
    await w.find('[data-range="6h"]').trigger('click')
    expect(useTimeRangeStore().choice).toBe('6h')
    expect(stops()).toEqual(['6h'])
    const six = w.find('[data-range="6h"]').element as HTMLElement
    six.focus()
    await w.find('[data-range="6h"]').trigger('keydown', { key: 'ArrowRight' })
    await new Promise((r) => setTimeout(r, 0))
    expect(document.activeElement?.getAttribute('data-range')).toBe('24h')
    await w.find('[data-range="24h"]').trigger('keydown', { key: 'End' })
    await new Promise((r) => setTimeout(r, 0))
    expect(document.activeElement?.getAttribute('data-range')).toBe('custom')
    await w.find('[data-range="custom"]').trigger('keydown', { key: 'ArrowRight' })
    await new Promise((r) => setTimeout(r, 0))
    expect(document.activeElement?.getAttribute('data-range')).toBe('fit')
    // moving the focus does not change the range: Enter or a click does
    expect(useTimeRangeStore().choice).toBe('6h')
    w.unmount()
  })

  it('takes a custom range typed as 24-hour date-times', async () => {
    const w = mount(TimeRangePicker, { global: { plugins: [pinia] } })
    await w.find('[data-range="custom"]').trigger('click')
    const from = w.find('[data-test="range-from"]')
    expect(from.attributes('type')).toBe('text')
    expect(from.attributes('placeholder')).toBe('YYYY-MM-DD HH:MM')
    await from.setValue('2025-03-01 08:00')
    await w.find('[data-test="range-to"]').setValue('2025-03-01 21:30')
    await w.find('[data-test="range-apply"]').trigger('submit')
    const store = useTimeRangeStore()
    expect(store.choice).toBe('custom')
    expect(store.window()).toMatchObject({
      from: new Date(2025, 2, 1, 8, 0).getTime(),
      to: new Date(2025, 2, 1, 21, 30).getTime()
    })
  })
})
