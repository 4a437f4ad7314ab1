// The Costs chart's ECharts option: cumulative spend over time against what the same instance-hours
// would have cost on demand (two lines), and the spend per bucket as bars on a second axis, the
// bucket chosen from the window's span (never one bar for a window inside one day). Pure: a cost
// series, a time formatter and a chart theme in, an option out.
import type { EChartsCoreOption } from 'echarts/core'
import type { CostSeries } from '@shared/api'
import { DEFAULT_CHART_THEME, type ChartTheme } from '@renderer/charts/chart-theme'

export const SPEND_SERIES_ID = 'spend'
export const BASELINE_SERIES_ID = 'baseline'
export const BUCKET_SERIES_ID = 'per-bucket'
/** about this many bars, whatever the span */
export const TARGET_BARS = 24

export interface CostChartInput {
  series: CostSeries
  /** how a time reads on the axis (the sandbox clock in sandbox mode) */
  formatTime?: (ms: number) => string
  theme?: ChartTheme
}

const round4 = (n: number): number => Math.round(n * 1e4) / 1e4
const money = (n: number): string => `$${n.toFixed(2)}`

/** Running totals of spend and baseline at each bucket's end: [time, $] points from the start at 0. */
export function cumulative(series: CostSeries): {
  spend: [number, number][]
  baseline: [number, number][]
} {
  const start = series.points[0]?.at
  if (start === undefined) return { spend: [], baseline: [] }
  const spend: [number, number][] = [[start, 0]]
  const baseline: [number, number][] = [[start, 0]]
  let cost = 0
  let ondemand = 0
  for (const p of series.points) {
    cost += p.cost
    ondemand += p.ondemandCost
    spend.push([p.at + series.bucketMs, round4(cost)])
    baseline.push([p.at + series.bucketMs, round4(ondemand)])
  }
  return { spend, baseline }
}

/** The buckets merged into about TARGET_BARS bars: [middle time, $] and the bar's span in ms. */
export function bars(series: CostSeries): { points: [number, number][]; spanMs: number } {
  const per = Math.max(1, Math.ceil(series.points.length / TARGET_BARS))
  const points: [number, number][] = []
  for (let k = 0; k < series.points.length; k += per) {
    const group = series.points.slice(k, k + per)
    const cost = group.reduce((s, p) => s + p.cost, 0)
    points.push([group[0].at + (per * series.bucketMs) / 2, round4(cost)])
  }
  return { points, spanMs: per * series.bucketMs }
}

export function buildCostOptions({
  series,
  formatTime,
  theme = DEFAULT_CHART_THEME
}: CostChartInput): EChartsCoreOption {
  const { spend, baseline } = cumulative(series)
  const perBar = bars(series)
  const axisLine = { lineStyle: { color: theme.border } }
  const first = series.points[0]?.at
  const last = series.points.at(-1)
  return {
    animation: false,
    textStyle: { color: theme.fg },
    grid: { left: 60, right: 60, top: 36, bottom: 32 },
    legend: {
      top: 0,
      textStyle: { color: theme.fg },
      data: ['Spend', 'On-demand baseline', 'Spend per bar']
    },
    tooltip: {
      trigger: 'axis',
      backgroundColor: theme.panel,
      borderColor: theme.border,
      textStyle: { color: theme.fg },
      valueFormatter: (v: unknown) => (typeof v === 'number' ? money(v) : String(v)),
      ...(formatTime
        ? { axisPointer: { label: { formatter: (p: { value: number }) => formatTime(p.value) } } }
        : {})
    },
    xAxis: {
      type: 'time',
      ...(first !== undefined && last ? { min: first, max: last.at + series.bucketMs } : {}),
      axisLine,
      axisLabel: {
        color: theme.muted,
        hideOverlap: true,
        ...(formatTime ? { formatter: (v: number) => formatTime(v) } : {})
      },
      splitLine: { show: false }
    },
    yAxis: [
      {
        type: 'value',
        name: 'total $',
        min: 0,
        nameTextStyle: { color: theme.muted },
        axisLine,
        axisLabel: { color: theme.muted, formatter: (v: number) => money(v) },
        splitLine: { lineStyle: { color: theme.border } }
      },
      {
        type: 'value',
        name: 'per bar $',
        min: 0,
        nameTextStyle: { color: theme.muted },
        axisLine,
        axisLabel: { color: theme.muted, formatter: (v: number) => money(v) },
        splitLine: { show: false }
      }
    ],
    series: [
      {
        id: BUCKET_SERIES_ID,
        name: 'Spend per bar',
        type: 'bar',
        yAxisIndex: 1,
        data: perBar.points,
        barMaxWidth: 24,
        itemStyle: { color: theme.accent, opacity: 0.3 }
      },
      {
        id: SPEND_SERIES_ID,
        name: 'Spend',
        type: 'line',
        data: spend,
        showSymbol: false,
        lineStyle: { color: theme.accent, width: 2.5 },
        itemStyle: { color: theme.accent },
        areaStyle: { color: theme.accent, opacity: 0.08 }
      },
      {
        id: BASELINE_SERIES_ID,
        name: 'On-demand baseline',
        type: 'line',
        data: baseline,
        showSymbol: false,
        lineStyle: { color: theme.muted, type: 'dashed', width: 1.5 },
        itemStyle: { color: theme.muted }
      }
    ]
  }
}
