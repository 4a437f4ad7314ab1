// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { sampleOutput } from '../../../../test/support/renderer/simulation-results'
import CompletionChart from './CompletionChart.vue'
import PolicyComparisonChart from './PolicyComparisonChart.vue'
import SimTimelineChart from './SimTimelineChart.vue'

// ECharts' canvas does not exist in happy-dom: VChart is a stub that records its option
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    name: 'VChart',
    props: ['option', 'loading', 'autoresize'],
    setup() {
      return () => h('div', { 'data-test': 'vchart' })
    }
  })
}))

type Option = { series: { id: string }[] }

describe('what-if chart components', () => {
  it('hand their built options to VChart inside containers the browser tests can find', () => {
    const out = sampleOutput()
    const cost = mount(PolicyComparisonChart, { props: { results: out.results, kind: 'cost' } })
    expect(cost.attributes('data-test')).toBe('cost-chart')
    expect(
      (cost.findComponent({ name: 'VChart' }).props('option') as Option).series.map((s) => s.id)
    ).toEqual(['cost', 'cost-ci'])
    const hours = mount(PolicyComparisonChart, { props: { results: out.results, kind: 'hours' } })
    expect(hours.attributes('data-test')).toBe('hours-chart')
    expect(
      (hours.findComponent({ name: 'VChart' }).props('option') as Option).series.map((s) => s.id)
    ).toEqual(['spot', 'ondemand'])
    const percent = mount(PolicyComparisonChart, {
      props: { results: out.results, kind: 'percent' }
    })
    expect(percent.attributes('data-test')).toBe('percent-chart')
    expect(
      (percent.findComponent({ name: 'VChart' }).props('option') as Option).series.map((s) => s.id)
    ).toEqual(['savings_pct', 'deadline_met_pct', 'savings_pct-ci', 'deadline_met_pct-ci'])
    const completion = mount(CompletionChart, { props: { results: out.results } })
    expect(completion.attributes('data-test')).toBe('completion-chart')
    const timeline = mount(SimTimelineChart, {
      props: { events: out.timelines!.greedy!, durationHours: 48 }
    })
    expect(timeline.attributes('data-test')).toBe('sim-timeline-chart')
    expect(timeline.attributes('aria-label')).toBe('Simulated timeline: 2 lanes, 7 events')
  })
})
