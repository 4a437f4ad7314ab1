import { describe, expect, it, vi } from 'vitest'
import { init, use } from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import { BarChart, CustomChart, ScatterChart } from 'echarts/charts'
import {
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent
} from 'echarts/components'
import type { EChartsCoreOption } from 'echarts/core'
import { DEFAULT_CHART_THEME } from '@renderer/charts/chart-theme'
import { sampleOutput } from '../../../../test/support/renderer/simulation-results'
import {
  buildCompletionOptions,
  buildCostOptions,
  buildHoursOptions,
  buildPercentOptions,
  buildSimTimelineOptions,
  errorBarData,
  renderErrorBar
} from './whatif-options'
import { policyColor } from '@renderer/charts/policy-colors'

use([
  SVGRenderer,
  BarChart,
  CustomChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  DataZoomInsideComponent,
  DataZoomSliderComponent
])

/** Renders an option with the real ECharts (SVG, no canvas needed) and returns the SVG. */
function renderSvg(option: EChartsCoreOption): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: 600, height: 300 })
  try {
    chart.setOption(option)
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

type Series = {
  id: string
  type: string
  data: unknown[]
  stack?: string
  renderItem?: unknown
  encode?: unknown
}
const series = (o: unknown): Series[] => (o as { series: Series[] }).series
type Bar = { value: number | null; itemStyle: { color: string; opacity?: number } }
const values = (data: unknown[]): (number | null)[] => (data as Bar[]).map((d) => d.value)
const colors = (data: unknown[]): string[] => (data as Bar[]).map((d) => d.itemStyle.color)

describe('what-if chart options', () => {
  it('draws the total cost as bars with error bars from ci95', () => {
    const out = sampleOutput()
    const option = buildCostOptions(out.results, DEFAULT_CHART_THEME) as {
      xAxis: { data: string[] }
    }
    expect(option.xAxis.data).toEqual(['greedy', 'ondemand'])
    const [bars, whiskers] = series(option)
    expect(bars).toMatchObject({ id: 'cost', type: 'bar' })
    expect((bars.data as { value: number }[]).map((d) => d.value)).toEqual([170.7, 200])
    expect(whiskers).toMatchObject({ id: 'cost-ci', type: 'custom', encode: { x: 0, y: [1, 2] } })
    expect(whiskers.data).toEqual([
      [0, 160.25, 181.5],
      [1, 198.5, 201.5]
    ])
    expect(errorBarData([{ policy: 'greedy', metrics: {} as never }], 'total_cost')).toEqual([
      [0, null, null]
    ])
  })

  it('renders a whisker with caps between low and high', () => {
    const api = {
      value: (d: number) => [0, 10, 20][d],
      coord: ([x, y]: number[]) => [x * 100 + 50, 200 - y * 5],
      size: () => [100, 0]
    }
    const shape = renderErrorBar('#000')(
      { coordSys: { x: 0, y: 0, width: 100, height: 200 } },
      api
    ) as { children: { shape: Record<string, number> }[] }
    expect(shape.children).toHaveLength(3)
    expect(shape.children[0].shape).toEqual({ x1: 50, y1: 100, x2: 50, y2: 150 })
    expect(shape.children[1].shape).toEqual({ x1: 38, y1: 100, x2: 62, y2: 100 })
    const none = renderErrorBar('#000')(
      { coordSys: { x: 0, y: 0, width: 1, height: 1 } },
      { ...api, value: () => Number.NaN }
    )
    expect(none).toBeNull()
  })

  it('stacks spot and on-demand hours and shows mean / p50 / p99 completion', () => {
    const out = sampleOutput()
    const hours = series(buildHoursOptions(out.results, DEFAULT_CHART_THEME))
    expect(hours.map((s) => [s.id, s.stack])).toEqual([
      ['spot', 'hours'],
      ['ondemand', 'hours']
    ])
    expect(values(hours[0].data)).toEqual([103, 203])
    const completion = series(buildCompletionOptions(out.results, DEFAULT_CHART_THEME))
    expect(completion.map((s) => s.id)).toEqual([
      'completion_time_mean_hours',
      'completion_time_p50_hours',
      'completion_time_p99_hours',
      'completion_time_mean_hours-ci',
      'completion_time_p50_hours-ci',
      'completion_time_p99_hours-ci'
    ])
    expect(values(completion[0].data)).toEqual([109, 209])
    // CI error bars for every completion metric
    expect(completion[3]).toMatchObject({ type: 'custom', encode: { x: 0, y: [1, 2] } })
    expect(completion[3].data).toEqual([
      [0, 107.5, 110.5],
      [1, 207.5, 210.5]
    ])
  })

  it('paints every policy in its own colour in every chart, whatever its position', () => {
    const out = sampleOutput()
    const reversed = [...out.results].reverse()
    const want = out.results.map((r) => policyColor(r.policy))
    expect(new Set(want).size).toBe(want.length)
    const bars = (o: unknown): Series[] => series(o).filter((s) => s.type === 'bar')
    for (const build of [
      buildCostOptions,
      buildHoursOptions,
      buildCompletionOptions,
      buildPercentOptions
    ]) {
      for (const s of bars(build(out.results, DEFAULT_CHART_THEME)))
        expect(colors(s.data)).toEqual(want)
      for (const s of bars(build(reversed, DEFAULT_CHART_THEME)))
        expect(colors(s.data)).toEqual([...want].reverse())
    }
    // a policy's several bars differ by shade, not by hue
    const hours = series(buildHoursOptions(out.results, DEFAULT_CHART_THEME))
    const shade = (s: Series): number | undefined => (s.data[0] as Bar).itemStyle.opacity
    expect(shade(hours[0])).toBeGreaterThan(shade(hours[1])!)
  })

  it('shows savings % and deadline met % with CI error bars', () => {
    const out = sampleOutput()
    const percent = series(buildPercentOptions(out.results, DEFAULT_CHART_THEME))
    expect(percent.map((s) => [s.id, s.type])).toEqual([
      ['savings_pct', 'bar'],
      ['deadline_met_pct', 'bar'],
      ['savings_pct-ci', 'custom'],
      ['deadline_met_pct-ci', 'custom']
    ])
    expect(values(percent[0].data)).toEqual([102, 202])
    expect(percent[3].data).toEqual([
      [0, 117.5, 120.5],
      [1, 217.5, 220.5]
    ])
  })

  it('moves a grouped whisker onto its own bar', () => {
    const api = {
      value: (d: number) => [0, 10, 20][d],
      coord: ([x, y]: number[]) => [x * 100 + 50, 200 - y * 5],
      size: () => [100, 0],
      barLayout: () => [
        { offsetCenter: -20, width: 20 },
        { offsetCenter: 20, width: 20 }
      ]
    }
    const shape = renderErrorBar('#000', { index: 1, count: 2 })(
      { coordSys: { x: 0, y: 0, width: 100, height: 200 } },
      api
    ) as { children: { shape: Record<string, number> }[] }
    expect(shape.children[0].shape).toEqual({ x1: 70, y1: 100, x2: 70, y2: 150 })
    expect(shape.children[1].shape).toEqual({ x1: 64, y1: 100, x2: 76, y2: 100 })
  })

  it('draws every results chart with the real ECharts, error bars included', () => {
    const out = sampleOutput()
    for (const build of [
      buildCostOptions,
      buildHoursOptions,
      buildCompletionOptions,
      buildPercentOptions
    ]) {
      const svg = renderSvg(build(out.results, DEFAULT_CHART_THEME))
      expect(svg).toContain('<svg')
      expect(svg).toContain('greedy')
    }
    // the cost chart: 2 bars and 2 whiskers of 3 strokes each (fg colour)
    const cost = renderSvg(buildCostOptions(out.results, DEFAULT_CHART_THEME))
    const strokes = cost.match(new RegExp(`stroke="${DEFAULT_CHART_THEME.fg}"`, 'g')) ?? []
    expect(strokes.length).toBeGreaterThanOrEqual(6)
    const timeline = renderSvg(
      buildSimTimelineOptions(out.timelines!.greedy!, DEFAULT_CHART_THEME, 48).option
    )
    expect(timeline).toContain('i-1')
  })

  it('lays the simulated timeline out as a lane per instance', () => {
    const events = sampleOutput().timelines!.greedy!
    const model = buildSimTimelineOptions(events, DEFAULT_CHART_THEME, 48)
    expect(model.lanes).toEqual(['i-1', 'i-2'])
    expect(model.spans).toEqual([
      [0, 1.03333, 0, 0, 0.03333],
      [1.05556, 48, 1, 1, 1.05556]
    ])
    const marks = series(model.option)
    expect(marks.find((s) => s.id === 'mark-notice')?.data).toEqual([[1, 0, 'notice', -1, '']])
    expect(marks.find((s) => s.id === 'mark-task-done')?.data).toEqual([[2, 1, 'task-done', 0, '']])
    expect(vi.isMockFunction(marks[0].renderItem)).toBe(false)
  })

  it("puts a deadline job's notice (no instance named) on the instance it reclaims", () => {
    const model = buildSimTimelineOptions(
      [
        { t: 0, kind: 'launch', instance: 'sim-0', zone: 'z-1a', market: 'spot' },
        { t: 3600, kind: 'notice', zone: 'z-1a', market: 'spot' },
        { t: 3600, kind: 'release', instance: 'sim-0' },
        { t: 4000, kind: 'launch', instance: 'sim-1', zone: 'z-1a', market: 'ondemand' }
      ],
      DEFAULT_CHART_THEME,
      10
    )
    expect(model.lanes).toEqual(['sim-0', 'sim-1'])
    expect(series(model.option).find((s) => s.id === 'mark-notice')?.data).toEqual([
      [1, 0, 'notice', -1, '']
    ])
  })
})
