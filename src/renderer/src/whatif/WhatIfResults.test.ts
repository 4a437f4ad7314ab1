// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { sampleOutput } from '../../../../test/support/renderer/simulation-results'
import { policyColor } from '@renderer/charts/policy-colors'
import WhatIfResults from './WhatIfResults.vue'

// ECharts cannot draw in happy-dom: VChart is a stub
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    name: 'VChart',
    props: ['option', 'loading', 'autoresize'],
    setup: () => () => h('div', { 'data-test': 'vchart' })
  })
}))

/** happy-dom keeps an inline colour as written or as rgb(); compare both ways */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16)
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`
}

describe('WhatIfResults', () => {
  it('marks each policy with its own colour in the cards and the metrics table', () => {
    const out = sampleOutput()
    const w = mount(WhatIfResults, { props: { output: out, title: 'baseline' } })
    expect(w.find('h2').text()).toBe('Results: baseline')
    for (const r of out.results) {
      const swatch = w.find(`[data-policy="${r.policy}"] [data-test="swatch"]`)
      const colour = (swatch.element as HTMLElement).style.background
      expect([policyColor(r.policy), rgb(policyColor(r.policy))]).toContain(colour)
    }
    const heads = w.findAll('[data-test="metrics-table"] thead [data-test="swatch"]')
    expect(heads.map((s) => (s.element as HTMLElement).style.background)).toEqual(
      w
        .findAll('[data-test="headline"] [data-test="swatch"]')
        .map((s) => (s.element as HTMLElement).style.background)
    )
    expect(new Set(heads.map((s) => (s.element as HTMLElement).style.background)).size).toBe(
      out.results.length
    )
  })

  it("asks for the run's settings back", async () => {
    const w = mount(WhatIfResults, { props: { output: sampleOutput(), title: 'x' } })
    await w.find('[data-test="use-config"]').trigger('click')
    expect(w.emitted('use-config')).toHaveLength(1)
  })
})

describe('WhatIfResults charts', () => {
  it('draw the intervals clamped to possible values, as the table shows them', () => {
    const out = sampleOutput()
    out.results[0].metrics.total_cost = { mean: 0.002, ci95: [-0.01, 0.014] }
    const w = mount(WhatIfResults, { props: { output: out, title: 'x' } })
    const cost = w.findAllComponents({ name: 'PolicyComparisonChart' })[0]
    const results = cost.props('results') as typeof out.results
    expect(results[0].metrics.total_cost.ci95).toEqual([0, 0.014])
    expect(w.find('tr[data-metric="total_cost"]').text()).toContain('0.002 [0, 0.01]')
  })
})
