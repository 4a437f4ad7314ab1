// The Costs chart's ECharts option: spend per day against what the same instance-hours would have
// cost on demand (two bar series over day categories). Pure: rows and a chart theme in, option out.
import type { EChartsCoreOption } from 'echarts/core'
import type { CostRow } from '@shared/api'
import { DEFAULT_CHART_THEME, type ChartTheme } from '@renderer/charts/chart-theme'

export const SPEND_SERIES_ID = 'spend'
export const BASELINE_SERIES_ID = 'baseline'

export interface CostChartInput {
  /** rows of costs({by:'day'}), in any order */
  rows: readonly CostRow[]
  theme?: ChartTheme
}

const round2 = (n: number): number => Math.round(n * 100) / 100
const money = (n: number): string => `$${n.toFixed(2)}`

export function buildCostOptions({
  rows,
  theme = DEFAULT_CHART_THEME
}: CostChartInput): EChartsCoreOption {
  const sorted = [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const days = sorted.map((r) => r.key)
  const axisLine = { lineStyle: { color: theme.border } }
  return {
    animation: sorted.length < 200,
    textStyle: { color: theme.fg },
    grid: { left: 56, right: 16, top: 36, bottom: 32 },
    legend: { top: 0, textStyle: { color: theme.fg }, data: ['Spend', 'On-demand baseline'] },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      backgroundColor: theme.panel,
      borderColor: theme.border,
      textStyle: { color: theme.fg },
      valueFormatter: (v: unknown) => (typeof v === 'number' ? money(v) : String(v))
    },
    xAxis: { type: 'category', data: days, axisLine, axisLabel: { color: theme.muted } },
    yAxis: {
      type: 'value',
      name: '$',
      nameTextStyle: { color: theme.muted },
      axisLine,
      axisLabel: { color: theme.muted, formatter: (v: number) => money(v) },
      splitLine: { lineStyle: { color: theme.border } }
    },
    series: [
      {
        id: SPEND_SERIES_ID,
        name: 'Spend',
        type: 'bar',
        data: sorted.map((r) => round2(r.cost)),
        itemStyle: { color: theme.accent },
        barMaxWidth: 28
      },
      {
        id: BASELINE_SERIES_ID,
        name: 'On-demand baseline',
        type: 'bar',
        data: sorted.map((r) => round2(r.ondemandCost)),
        itemStyle: { color: theme.muted, opacity: 0.55 },
        barMaxWidth: 28
      }
    ]
  }
}
