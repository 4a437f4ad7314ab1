// Pure ECharts option builders for the What-if results: total cost with 95% CI error bars, spot vs
// on-demand hours stacked, completion times per policy, and the simulated run's own timeline as
// swim lanes. Each takes the results and a ChartTheme (read from the cockpit's CSS variables) and
// returns a plain option, so they are tested without a canvas.
import type { EChartsCoreOption } from 'echarts/core'
import type {
  MetricName,
  MetricSummary,
  PolicyResult,
  SimulationTimelineEvent
} from '@shared/simulation'
import type { ChartTheme } from '@renderer/charts/chart-theme'
import { policyColor } from '@renderer/charts/policy-colors'
import { html, trusted } from './html'

interface RenderApi {
  value(dim: number): number
  coord(point: number[]): number[]
  size(value: number[]): number[]
  /** ECharts' layout of `count` grouped bars per category (cartesian category axes only) */
  barLayout?(opt: {
    count: number
    barGap?: string
    barCategoryGap?: string
    barMaxWidth?: number
  }): { offsetCenter: number; width: number }[] | undefined
}
interface RenderParams {
  coordSys: { x: number; y: number; width: number; height: number }
}

function metric(r: PolicyResult, name: MetricName): MetricSummary | null {
  const m = r.metrics?.[name] as MetricSummary | null | undefined
  return m && typeof m.mean === 'number' && Number.isFinite(m.mean) ? m : null
}

function round(n: number, digits = 2): number {
  return Number(n.toFixed(digits))
}

function axisCommon(theme: ChartTheme): Record<string, unknown> {
  return {
    axisLine: { lineStyle: { color: theme.border } },
    axisTick: { lineStyle: { color: theme.border } },
    axisLabel: { color: theme.muted },
    splitLine: { lineStyle: { color: theme.border, opacity: 0.6 } },
    nameTextStyle: { color: theme.muted }
  }
}

function base(theme: ChartTheme): Record<string, unknown> {
  return {
    backgroundColor: 'transparent',
    textStyle: { color: theme.fg },
    animation: false,
    grid: { left: 56, right: 16, top: 36, bottom: 40, containLabel: false },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      backgroundColor: theme.panel,
      borderColor: theme.border,
      textStyle: { color: theme.fg }
    },
    legend: { top: 4, textStyle: { color: theme.fg }, inactiveColor: theme.muted }
  }
}

/** Shades that tell a policy's several bars apart (spot / on-demand, mean / p50 / p99) in its own colour. */
const SHADES = [1, 0.6, 0.35] as const

/** Bar grouping shared by grouped bars and their whiskers, so each whisker sits on its own bar. */
export const GROUPED_BARS = { barGap: '10%', barCategoryGap: '30%', barMaxWidth: 28 } as const

/** Which of `count` grouped bars a whisker belongs to. */
export interface BarSlot {
  index: number
  count: number
}

/**
 * Draws a vertical whisker from low to high with caps: the 95% CI of a bar. Data: [x, low, high].
 * With a slot, the whisker is moved onto that bar of the group (ECharts' own bar layout).
 */
export function renderErrorBar(stroke: string, slot?: BarSlot) {
  return (_params: RenderParams, api: RenderApi): unknown => {
    const x = api.value(0)
    const low = api.value(1)
    const high = api.value(2)
    if (!Number.isFinite(low) || !Number.isFinite(high)) return null
    const top = api.coord([x, high])
    const bottom = api.coord([x, low])
    let half = Math.max(4, api.size([1, 0])[0] * 0.12)
    if (slot && slot.count > 1) {
      const layout = api.barLayout?.({ count: slot.count, ...GROUPED_BARS })?.[slot.index]
      if (layout) {
        top[0] += layout.offsetCenter
        bottom[0] += layout.offsetCenter
        half = Math.max(3, layout.width * 0.3)
      }
    }
    const style = { stroke, lineWidth: 1.5 }
    return {
      type: 'group',
      children: [
        { type: 'line', shape: { x1: top[0], y1: top[1], x2: bottom[0], y2: bottom[1] }, style },
        {
          type: 'line',
          shape: { x1: top[0] - half, y1: top[1], x2: top[0] + half, y2: top[1] },
          style
        },
        {
          type: 'line',
          shape: { x1: bottom[0] - half, y1: bottom[1], x2: bottom[0] + half, y2: bottom[1] },
          style
        }
      ]
    }
  }
}

/** Error-bar data of one metric: [policy index, low, high] per policy (nulls for an undefined value). */
export function errorBarData(
  results: readonly PolicyResult[],
  name: MetricName
): (number | null)[][] {
  return results.map((r, i) => {
    const m = metric(r, name)
    return m
      ? [i, round(m.ci95?.[0] ?? m.mean, 4), round(m.ci95?.[1] ?? m.mean, 4)]
      : [i, null, null]
  })
}

function fmtMoney(n: number): string {
  return `$${n.toFixed(2)}`
}

/** Total cost per policy: bars of the mean with 95% CI whiskers (a custom series). */
export function buildCostOptions(
  results: readonly PolicyResult[],
  theme: ChartTheme
): EChartsCoreOption {
  const policies = results.map((r) => r.policy)
  const means = results.map((r) => ({
    value: metric(r, 'total_cost') ? round(metric(r, 'total_cost')!.mean, 4) : null,
    itemStyle: { color: policyColor(r.policy) }
  }))
  return {
    ...base(theme),
    legend: { show: false },
    tooltip: {
      ...(base(theme).tooltip as object),
      formatter: (params: { dataIndex: number }[]) => {
        const i = params[0]?.dataIndex ?? 0
        const m = metric(results[i], 'total_cost')
        if (!m) return html`${policies[i]}: —`
        return html`<b>${policies[i]}</b><br />total cost ${fmtMoney(m.mean)}<br />95% CI
          ${fmtMoney(m.ci95[0])} – ${fmtMoney(m.ci95[1])}`
      }
    },
    xAxis: { type: 'category', data: policies, ...axisCommon(theme), splitLine: { show: false } },
    yAxis: { type: 'value', name: 'total cost ($)', ...axisCommon(theme) },
    series: [
      { id: 'cost', name: 'Total cost', type: 'bar', data: means, barMaxWidth: 56 },
      {
        id: 'cost-ci',
        name: '95% CI',
        type: 'custom',
        renderItem: renderErrorBar(theme.fg),
        data: errorBarData(results, 'total_cost'),
        encode: { x: 0, y: [1, 2] },
        z: 10,
        tooltip: { show: false }
      }
    ]
  }
}

/** Spot and on-demand instance-hours per policy, stacked. */
export function buildHoursOptions(
  results: readonly PolicyResult[],
  theme: ChartTheme
): EChartsCoreOption {
  // each bar in its policy's colour: spot full, on-demand a lighter shade on top
  const value = (r: PolicyResult, name: MetricName, shade: number) => {
    const m = metric(r, name)
    return {
      value: m ? round(m.mean, 3) : null,
      itemStyle: { color: policyColor(r.policy), opacity: shade }
    }
  }
  return {
    ...base(theme),
    xAxis: {
      type: 'category',
      data: results.map((r) => r.policy),
      ...axisCommon(theme),
      splitLine: { show: false }
    },
    yAxis: { type: 'value', name: 'instance-hours', ...axisCommon(theme) },
    series: [
      {
        id: 'spot',
        name: 'Spot hours',
        type: 'bar',
        stack: 'hours',
        data: results.map((r) => value(r, 'spot_hours', SHADES[0])),
        itemStyle: { color: theme.muted, opacity: SHADES[0] },
        barMaxWidth: 56
      },
      {
        id: 'ondemand',
        name: 'On-demand hours',
        type: 'bar',
        stack: 'hours',
        data: results.map((r) => value(r, 'ondemand_hours', SHADES[1])),
        itemStyle: { color: theme.muted, opacity: SHADES[1] },
        barMaxWidth: 56
      }
    ]
  }
}

export const COMPLETION_METRICS: { metric: MetricName; label: string }[] = [
  { metric: 'completion_time_mean_hours', label: 'Mean' },
  { metric: 'completion_time_p50_hours', label: 'p50' },
  { metric: 'completion_time_p99_hours', label: 'p99' }
]

export const PERCENT_METRICS: { metric: MetricName; label: string }[] = [
  { metric: 'savings_pct', label: 'Savings %' },
  { metric: 'deadline_met_pct', label: 'Deadline met %' }
]

/**
 * Grouped bars of several metrics per policy, each with its 95% CI whiskers on its own bar. Every
 * bar is in its policy's colour; the metrics differ by shade (the legend shows the shades).
 */
function groupedWithWhiskers(
  results: readonly PolicyResult[],
  theme: ChartTheme,
  metrics: { metric: MetricName; label: string }[],
  yName: string,
  format: (n: number) => string
): EChartsCoreOption {
  const policies = results.map((r) => r.policy)
  const bars = metrics.map((c, k) => ({
    id: c.metric,
    name: c.label,
    type: 'bar',
    data: results.map((r) => {
      const m = metric(r, c.metric)
      return {
        value: m ? round(m.mean, 3) : null,
        itemStyle: { color: policyColor(r.policy), opacity: SHADES[k % SHADES.length] }
      }
    }),
    itemStyle: { color: theme.muted, opacity: SHADES[k % SHADES.length] },
    ...GROUPED_BARS
  }))
  const whiskers = metrics.map((c, k) => ({
    id: `${c.metric}-ci`,
    name: `${c.label} 95% CI`,
    type: 'custom',
    renderItem: renderErrorBar(theme.fg, { index: k, count: metrics.length }),
    data: errorBarData(results, c.metric),
    encode: { x: 0, y: [1, 2] },
    z: 10,
    tooltip: { show: false }
  }))
  return {
    ...base(theme),
    legend: { ...(base(theme).legend as object), data: metrics.map((c) => c.label) },
    tooltip: {
      ...(base(theme).tooltip as object),
      formatter: (params: { dataIndex: number }[]) => {
        const i = params[0]?.dataIndex ?? 0
        const lines = metrics.map((c) => {
          const m = metric(results[i], c.metric)
          return m
            ? html`${c.label} ${format(m.mean)} [${format(m.ci95?.[0] ?? m.mean)},
              ${format(m.ci95?.[1] ?? m.mean)}]`
            : html`${c.label} —`
        })
        return html`<b>${policies[i]}</b><br />${trusted(lines.join('<br/>'))}`
      }
    },
    xAxis: { type: 'category', data: policies, ...axisCommon(theme), splitLine: { show: false } },
    yAxis: { type: 'value', name: yName, ...axisCommon(theme) },
    series: [...bars, ...whiskers]
  }
}

/** Completion time per policy: mean / p50 / p99 side by side, with 95% CI whiskers. */
export function buildCompletionOptions(
  results: readonly PolicyResult[],
  theme: ChartTheme
): EChartsCoreOption {
  return groupedWithWhiskers(
    results,
    theme,
    COMPLETION_METRICS,
    'hours',
    (n) => `${n.toFixed(2)} h`
  )
}

/** Savings % (against on-demand) and deadline met % per policy, with 95% CI whiskers. */
export function buildPercentOptions(
  results: readonly PolicyResult[],
  theme: ChartTheme
): EChartsCoreOption {
  return groupedWithWhiskers(results, theme, PERCENT_METRICS, '%', (n) => `${n.toFixed(1)}%`)
}

// ---- the simulated run's timeline ------------------------------------------------------------------

export const SIM_FLEET_LANE = '(fleet)'

export interface SimMarkGroup {
  id: string
  label: string
  kinds: SimulationTimelineEvent['kind'][]
  symbol: string
  size: number
  color: (t: ChartTheme) => string
}

export const SIM_MARK_GROUPS: SimMarkGroup[] = [
  {
    id: 'notice',
    label: 'Notices',
    kinds: ['notice'],
    symbol: 'diamond',
    size: 11,
    color: (t) => t.danger
  },
  {
    id: 'launch-failed',
    label: 'Launch failed',
    kinds: ['launch-failed'],
    symbol: 'emptyCircle',
    size: 8,
    color: (t) => t.muted
  },
  {
    id: 'task-start',
    label: 'Task start',
    kinds: ['task-start'],
    symbol: 'triangle',
    size: 6,
    color: (t) => t.fg
  },
  {
    id: 'task-done',
    label: 'Task done',
    kinds: ['task-done'],
    symbol: 'circle',
    size: 6,
    color: (t) => t.ok
  },
  {
    id: 'checkpoint',
    label: 'Checkpoints',
    kinds: ['checkpoint'],
    symbol: 'rect',
    size: 6,
    color: (t) => t.palette[5] ?? t.accent
  }
]

export interface SimTimelineModel {
  option: EChartsCoreOption
  lanes: string[]
  /** instance lifetimes: [start h, end h, lane, market (0 spot, 1 on-demand), ready h] */
  spans: number[][]
}

/** Lanes per instance (in order of appearance), lifetimes as bars coloured by market, events as marks; time in hours. */
export function buildSimTimelineOptions(
  events: readonly SimulationTimelineEvent[],
  theme: ChartTheme,
  durationHours?: number
): SimTimelineModel {
  const lanes: string[] = []
  const laneIndex = new Map<string, number>()
  const open = new Map<string, { start: number; market: number; ready: number; lane: number }>()
  let lastOpened: string | undefined
  const lane = (e: SimulationTimelineEvent): number => {
    // a deadline job's notice names no instance: it reclaims the one running (the last opened)
    const owner =
      e.instance ??
      (e.kind === 'notice' && lastOpened && open.has(lastOpened) ? lastOpened : undefined)
    const key = owner ?? (e.zone ? `(${e.zone})` : SIM_FLEET_LANE)
    let i = laneIndex.get(key)
    if (i === undefined) {
      i = lanes.length
      lanes.push(key)
      laneIndex.set(key, i)
    }
    return i
  }
  const lastT = events.reduce((m, e) => Math.max(m, e.t), 0)
  const endH = Math.max(durationHours ?? 0, lastT / 3600)
  const spans: number[][] = []
  const marks: Record<string, (number | string)[][]> = Object.fromEntries(
    SIM_MARK_GROUPS.map((g) => [g.id, []])
  )
  for (const e of events) {
    const l = lane(e)
    const h = e.t / 3600
    if (e.instance && e.kind === 'launch') {
      open.set(e.instance, { start: h, market: e.market === 'ondemand' ? 1 : 0, ready: h, lane: l })
      lastOpened = e.instance
    } else if (e.instance && e.kind === 'ready') {
      const s = open.get(e.instance)
      if (s) s.ready = h
    } else if (e.instance && (e.kind === 'terminate' || e.kind === 'release')) {
      const s = open.get(e.instance)
      if (s) {
        spans.push([round(s.start, 5), round(h, 5), s.lane, s.market, round(s.ready, 5)])
        open.delete(e.instance)
      }
    }
    const group = SIM_MARK_GROUPS.find((g) => g.kinds.includes(e.kind))
    if (group) marks[group.id].push([round(h, 5), l, e.kind, e.task ?? -1, e.detail ?? ''])
  }
  for (const s of open.values())
    spans.push([round(s.start, 5), round(endH, 5), s.lane, s.market, round(s.ready, 5)])

  const spanColors = [theme.accent, theme.palette[1] ?? theme.danger]
  const renderSpan = (params: RenderParams, api: RenderApi): unknown => {
    const start = api.coord([api.value(0), api.value(2)])
    const end = api.coord([api.value(1), api.value(2)])
    const ready = api.coord([api.value(4), api.value(2)])
    const band = api.size([0, 1])[1]
    const h = Math.max(4, band * 0.5)
    const box = params.coordSys
    const x1 = Math.max(start[0], box.x)
    const x2 = Math.min(Math.max(end[0], start[0] + 2), box.x + box.width)
    if (x2 <= x1) return null
    const fill = spanColors[api.value(3)] ?? theme.accent
    const xr = Math.min(Math.max(ready[0], x1), x2)
    return {
      type: 'group',
      children: [
        // set-up (launch -> ready) drawn faint, then the usable life
        {
          type: 'rect',
          shape: { x: x1, y: start[1] - h / 2, width: xr - x1, height: h },
          style: { fill, opacity: 0.35 }
        },
        {
          type: 'rect',
          shape: { x: xr, y: start[1] - h / 2, width: x2 - xr, height: h, r: 2 },
          style: { fill, opacity: 0.85 }
        }
      ]
    }
  }

  const many = lanes.length > 16
  const option: EChartsCoreOption = {
    ...base(theme),
    grid: { left: 110, right: many ? 40 : 16, top: 36, bottom: 56 },
    tooltip: {
      trigger: 'item',
      backgroundColor: theme.panel,
      borderColor: theme.border,
      textStyle: { color: theme.fg },
      formatter: (p: { seriesId?: string; value?: (number | string)[] }) => {
        const v = p.value ?? []
        if (p.seriesId === 'spans')
          return html`${lanes[v[2] as number]}<br />${v[3] === 1 ? 'on-demand' : 'spot'}
            ${Number(v[0]).toFixed(2)} h → ${Number(v[1]).toFixed(2)} h`
        const task = typeof v[3] === 'number' && v[3] >= 0 ? ` task ${v[3]}` : ''
        return html`${v[2]}${task} at ${Number(v[0]).toFixed(2)} h<br />${lanes[v[1] as number] ?? ''}${trusted(v[4] ? html`<br />${v[4]}` : '')}`
      }
    },
    xAxis: { type: 'value', name: 'h', min: 0, max: round(endH || 1, 3), ...axisCommon(theme) },
    yAxis: {
      type: 'category',
      data: lanes.map((l) => (l.length > 16 ? `${l.slice(0, 15)}…` : l)),
      inverse: true,
      ...axisCommon(theme),
      splitLine: { show: true, lineStyle: { color: theme.border, opacity: 0.4 } }
    },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'weakFilter' },
      {
        type: 'slider',
        xAxisIndex: 0,
        height: 16,
        bottom: 8,
        filterMode: 'weakFilter',
        textStyle: { color: theme.muted },
        borderColor: theme.border
      },
      ...(many
        ? [
            {
              type: 'slider',
              yAxisIndex: 0,
              width: 14,
              right: 8,
              startValue: 0,
              endValue: 15,
              textStyle: { color: theme.muted },
              borderColor: theme.border
            }
          ]
        : [])
    ],
    series: [
      {
        id: 'spans',
        name: 'Instances',
        type: 'custom',
        renderItem: renderSpan,
        data: spans,
        encode: { x: [0, 1], y: 2 },
        z: 1,
        clip: true
      },
      ...SIM_MARK_GROUPS.map((g) => ({
        id: `mark-${g.id}`,
        name: g.label,
        type: 'scatter',
        symbol: g.symbol,
        symbolSize: g.size,
        data: marks[g.id],
        encode: { x: 0, y: 1 },
        itemStyle: { color: g.color(theme) },
        z: 3
      }))
    ]
  }
  return { option, lanes, spans }
}
