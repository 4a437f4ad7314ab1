// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { MIN, T0, scenario } from '../../../../test/support/renderer/fake-client'
import TimelineChart from './TimelineChart.vue'

// ECharts' canvas does not exist in happy-dom: VChart is a stub that records its option
const { setOption } = vi.hoisted(() => ({ setOption: vi.fn() }))
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    name: 'VChart',
    props: ['option', 'loading', 'autoresize'],
    emits: ['click'],
    setup(props, { expose }) {
      expose({ setOption })
      return () =>
        h('div', {
          'data-test': 'vchart',
          'data-series': (props.option as { series: unknown[] }).series.length
        })
    }
  })
}))

describe('TimelineChart', () => {
  it('hands the built option to VChart and maps a click back to the event', async () => {
    const events = scenario()
    const w = mount(TimelineChart, { props: { events, from: T0, to: T0 + 90 * MIN } })
    const chart = w.findComponent({ name: 'VChart' })
    const option = chart.props('option') as { series: { id: string }[]; yAxis: { data: string[] } }
    expect(option.yAxis.data).toEqual(['b', 'a'])
    expect(option.series.map((s) => s.id)).toContain('mark-notice')
    chart.vm.$emit('click', { seriesId: 'mark-notice', dataIndex: 0 })
    expect(w.emitted('select')).toEqual([[4]])
    chart.vm.$emit('click', { seriesId: 'cursor', dataIndex: 0 })
    expect(w.emitted('select')).toHaveLength(1)
  })

  it('moves the cursor with a patch instead of rebuilding the option', async () => {
    const w = mount(TimelineChart, {
      props: { events: scenario(), from: T0, to: T0 + 90 * MIN, cursor: T0 }
    })
    const first = w.findComponent({ name: 'VChart' }).props('option')
    await w.setProps({ cursor: T0 + 5 * MIN })
    expect(setOption).toHaveBeenCalledWith({
      series: [{ id: 'cursor', data: [[T0 + 5 * MIN, 0]] }]
    })
    expect(w.findComponent({ name: 'VChart' }).props('option')).toBe(first)
  })
})
