// The job card's progress chart, the Uniform Progress picture live: progress over time (the job's
// trail), the expected-progress line ep(t) = t·C/R, the safety-net line (below it only on-demand can
// still make the deadline: time left < work left + 2 changeovers), the deadline and now. Pure: a job
// view and a chart theme in, an ECharts option out. Times are hours since submission (cloud time:
// sandbox hours on the sandbox), progress is hours of work.
import type { EChartsCoreOption } from 'echarts/core'
import type { JobView } from '@shared/api'
import { DEFAULT_CHART_THEME, type ChartTheme } from '@renderer/charts/chart-theme'

export const PROGRESS_SERIES_ID = 'progress'
export const EXPECTED_SERIES_ID = 'expected'
export const SAFETY_NET_SERIES_ID = 'safety-net'

export interface JobProgressInput {
  job: JobView
  /** the changeover d in hours (spec.changeoverHours): the safety net keeps two of them in hand */
  changeoverHours: number
  theme?: ChartTheme
}

const round4 = (n: number): number => Math.round(n * 1e4) / 1e4

/** ep(t) from submission to the deadline: the straight line from (0, 0) to (R, C). */
export function expectedLine(job: JobView): [number, number][] {
  return [
    [0, 0],
    [round4(job.deadlineHours), round4(job.workHours)]
  ]
}

/**
 * The safety-net line p(t) = C + 2d − (R − t), clipped to 0 ≤ p ≤ C: progress under it at time t
 * leaves too little time for the work left on spot. Empty when the deadline leaves no slack at all.
 */
export function safetyNetLine(job: JobView, changeoverHours: number): [number, number][] {
  const C = job.workHours
  const R = job.deadlineHours
  const start = R - C - 2 * changeoverHours
  const end = R - 2 * changeoverHours
  if (end <= 0) return []
  const points: [number, number][] = []
  if (start >= 0) points.push([round4(start), 0])
  else points.push([0, round4(-start)])
  points.push([round4(end), round4(C)])
  return points
}

export function buildJobProgressOptions({
  job,
  changeoverHours,
  theme = DEFAULT_CHART_THEME
}: JobProgressInput): EChartsCoreOption {
  const axisLine = { lineStyle: { color: theme.border } }
  const now = job.finishedHours ?? job.elapsedHours
  const xMax = Math.max(job.deadlineHours, now) * 1.04
  const hours = (v: number): string => `${v.toFixed(v >= 10 ? 0 : 1)} h`
  const marks: { xAxis: number; name: string; lineStyle: Record<string, unknown> }[] = [
    {
      xAxis: round4(job.deadlineHours),
      name: 'deadline',
      lineStyle: { color: theme.danger, type: 'solid', width: 1.5 }
    }
  ]
  if (now < job.deadlineHours * 1.04)
    marks.push({
      xAxis: round4(now),
      name: job.finishedHours !== undefined ? 'done' : 'now',
      lineStyle: { color: theme.muted, type: 'dotted', width: 1 }
    })
  return {
    animation: false,
    textStyle: { color: theme.fg },
    grid: { left: 44, right: 16, top: 30, bottom: 30 },
    legend: {
      top: 0,
      right: 8,
      textStyle: { color: theme.fg },
      data: ['Progress', 'Expected ep(t)', 'Safety net']
    },
    tooltip: {
      trigger: 'axis',
      backgroundColor: theme.panel,
      borderColor: theme.border,
      textStyle: { color: theme.fg },
      valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)} h` : String(v))
    },
    xAxis: {
      type: 'value',
      min: 0,
      max: round4(xMax),
      name: 'hours since submission',
      nameLocation: 'middle',
      nameGap: 20,
      nameTextStyle: { color: theme.muted },
      axisLine,
      axisLabel: { color: theme.muted, formatter: hours },
      splitLine: { show: false }
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: round4(job.workHours),
      name: 'work done (h)',
      nameTextStyle: { color: theme.muted },
      axisLine,
      axisLabel: { color: theme.muted, formatter: hours },
      splitLine: { lineStyle: { color: theme.border } }
    },
    series: [
      {
        id: PROGRESS_SERIES_ID,
        name: 'Progress',
        type: 'line',
        data: job.trail.map(([t, p]) => [round4(t), round4(p)]),
        showSymbol: false,
        lineStyle: { color: theme.accent, width: 2.5 },
        itemStyle: { color: theme.accent },
        markLine: {
          silent: true,
          symbol: 'none',
          label: { color: theme.muted, formatter: '{b}' },
          data: marks
        }
      },
      {
        id: EXPECTED_SERIES_ID,
        name: 'Expected ep(t)',
        type: 'line',
        data: expectedLine(job),
        showSymbol: false,
        lineStyle: { color: theme.ok, type: 'dashed', width: 1.5 },
        itemStyle: { color: theme.ok }
      },
      {
        id: SAFETY_NET_SERIES_ID,
        name: 'Safety net',
        type: 'line',
        data: safetyNetLine(job, changeoverHours),
        showSymbol: false,
        lineStyle: { color: theme.danger, type: 'dotted', width: 1.5 },
        itemStyle: { color: theme.danger }
      }
    ]
  }
}
