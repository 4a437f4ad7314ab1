import { describe, expect, it } from 'vitest'
import type { PolicyName, SimulationTimelineEvent } from '@shared/simulation'
import { DEFAULT_CHART_THEME } from '@renderer/charts/chart-theme'
import { sampleOutput } from '../../../../test/support/renderer/simulation-results'
import { escapeHtml, html, trusted } from './html'
import { buildCompletionOptions, buildCostOptions, buildSimTimelineOptions } from './whatif-options'

const EVIL = '<img src=x onerror=alert(1)>'

type Formatter = (params: unknown) => string
const tooltipOf = (option: unknown): Formatter =>
  (option as { tooltip: { formatter: Formatter } }).tooltip.formatter

/** No element can come out of the tooltip: the only tags left are the formatter's own. */
function expectInert(markup: string): void {
  expect(markup).not.toContain('<img')
  expect(markup).toContain('&lt;img src=x onerror=alert(1)&gt;')
}

describe('escapeHtml and html', () => {
  it('turns markup in values into text and keeps the template markup', () => {
    expect(escapeHtml(`a&b"c'<d>`)).toBe('a&amp;b&quot;c&#39;&lt;d&gt;')
    expect(html`<b>${EVIL}</b>`).toBe('<b>&lt;img src=x onerror=alert(1)&gt;</b>')
    expect(html`<b>${trusted(html`<i>${EVIL}</i>`)}</b>`).toBe(
      '<b><i>&lt;img src=x onerror=alert(1)&gt;</i></b>'
    )
  })
})

describe('what-if tooltips escape every name they insert', () => {
  it('escapes zone and instance names in the simulated timeline (issue 11)', () => {
    const events: SimulationTimelineEvent[] = [
      { t: 0, kind: 'launch', instance: EVIL, zone: EVIL, market: 'spot' },
      { t: 600, kind: 'notice', zone: EVIL, detail: EVIL },
      { t: 3600, kind: 'terminate', instance: EVIL }
    ]
    const { option } = buildSimTimelineOptions(events, DEFAULT_CHART_THEME, 2)
    const format = tooltipOf(option)
    expectInert(format({ seriesId: 'spans', value: [0, 1, 0, 0, 0] }))
    const mark = format({ seriesId: 'notice', value: [0.17, 0, 'notice', -1, EVIL] })
    expectInert(mark)
    expect(mark).not.toMatch(/<(?!br \/>)/)
  })

  it('escapes policy names in the cost and completion tooltips', () => {
    // a policy name is a known id today; the tooltip must not rely on that
    const results = sampleOutput().results.map((r) => ({ ...r, policy: EVIL as PolicyName }))
    expectInert(tooltipOf(buildCostOptions(results, DEFAULT_CHART_THEME))([{ dataIndex: 0 }]))
    expectInert(tooltipOf(buildCompletionOptions(results, DEFAULT_CHART_THEME))([{ dataIndex: 0 }]))
  })
})
