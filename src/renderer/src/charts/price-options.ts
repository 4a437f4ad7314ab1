// The spot price history chart's ECharts option: one line per zone x instance type, with preemption
// notices overlaid as a scatter series at the price of that moment. Built for big windows: two passes
// group the points into one flat Float64Array per line ([t0, p0, t1, p1, ...], no per-point objects
// or arrays), and the lines use LTTB
// sampling, large mode, progressive rendering and no symbols, so 100,000 points draw in well under
// half a second.
import type { EChartsCoreOption } from 'echarts/core'
import type { SpotPricePoint } from '@shared/fleet'
import { DEFAULT_CHART_THEME, type ChartTheme } from '@renderer/charts/chart-theme'

export const NOTICE_SERIES_ID = 'notices'
/** progressive chunk size and the point count above which it applies */
export const PROGRESSIVE_CHUNK = 20_000
export const PROGRESSIVE_THRESHOLD = 10_000

export type PricePair = [number, number]

export interface PriceSeries {
  /** "zone · type" */
  name: string
  zone: string
  instanceType: string
  /** flat, time-ordered pairs [t0, price0, t1, price1, ...]: one typed array, no object per point */
  data: Float64Array
}

/** A preemption notice to overlay; zone / type say which line it sits on, when known. */
export interface PriceNotice {
  at: number
  zone?: string
  instanceType?: string
  instanceId?: string
}

export interface PriceChartInput {
  points: readonly SpotPricePoint[]
  notices?: readonly PriceNotice[]
  theme?: ChartTheme
}

export interface PriceModel {
  option: EChartsCoreOption
  series: PriceSeries[]
  /** notices drawn (those a line could place) */
  noticeCount: number
}

export function seriesName(zone: string, instanceType: string): string {
  return `${zone} · ${instanceType}`
}

/** Number of points in a flat series. */
export function pointCount(series: PriceSeries): number {
  return series.data.length / 2
}

/**
 * Groups points by zone x type into flat Float64Arrays [t, price, t, price, ...] sorted by time:
 * one pass counts, a second fills preallocated arrays (no per-point allocation).
 */
export function groupPrices(points: readonly SpotPricePoint[]): PriceSeries[] {
  const byKey = new Map<
    string,
    { series: PriceSeries; n: number; fill: number; last: number; sorted: boolean }
  >()
  const keyOf = (p: SpotPricePoint): string => `${p.zone}\u0000${p.instanceType}`
  for (let i = 0; i < points.length; i++) {
    const p = points[i]
    const key = keyOf(p)
    const entry = byKey.get(key)
    if (entry) entry.n++
    else
      byKey.set(key, {
        series: {
          name: seriesName(p.zone, p.instanceType),
          zone: p.zone,
          instanceType: p.instanceType,
          data: new Float64Array(0)
        },
        n: 1,
        fill: 0,
        last: -Infinity,
        sorted: true
      })
  }
  for (const entry of byKey.values()) entry.series.data = new Float64Array(entry.n * 2)
  for (let i = 0; i < points.length; i++) {
    const p = points[i]
    const entry = byKey.get(keyOf(p))!
    if (p.at < entry.last) entry.sorted = false
    entry.last = p.at
    entry.series.data[entry.fill++] = p.at
    entry.series.data[entry.fill++] = p.price
  }
  const out: PriceSeries[] = []
  for (const entry of byKey.values()) {
    if (!entry.sorted) entry.series.data = sortPairs(entry.series.data)
    out.push(entry.series)
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** Sorts flat [t, v] pairs by t (stable for equal times). */
function sortPairs(data: Float64Array): Float64Array {
  const n = data.length / 2
  const order = Array.from({ length: n }, (_, i) => i)
  order.sort((a, b) => data[2 * a] - data[2 * b] || a - b)
  const sorted = new Float64Array(data.length)
  for (let i = 0; i < n; i++) {
    sorted[2 * i] = data[2 * order[i]]
    sorted[2 * i + 1] = data[2 * order[i] + 1]
  }
  return sorted
}

/** The price in force at `at` on a flat series (the last point at or before it; the first, if none). */
export function priceAt(data: Float64Array | readonly number[], at: number): number | undefined {
  const n = Math.floor(data.length / 2)
  if (n === 0) return undefined
  if (at < data[0]) return data[1]
  let lo = 0
  let hi = n - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (data[2 * mid] <= at) lo = mid
    else hi = mid - 1
  }
  return data[2 * lo + 1]
}

function lineFor(notice: PriceNotice, series: readonly PriceSeries[]): PriceSeries | undefined {
  if (series.length === 0) return undefined
  const exact = series.find(
    (s) =>
      s.zone === notice.zone &&
      (notice.instanceType === undefined || s.instanceType === notice.instanceType)
  )
  if (exact) return exact
  // no (known) zone: only an unambiguous fleet can place it
  if (notice.zone === undefined) {
    const sameType =
      notice.instanceType === undefined
        ? series
        : series.filter((s) => s.instanceType === notice.instanceType)
    if (sameType.length === 1) return sameType[0]
  }
  return undefined
}

/** Tooltip value: "$0.3520/h" (a [t, price] pair shows its price). */
export function formatPriceValue(value: unknown): string {
  const v = Array.isArray(value) ? value[value.length - 1] : value
  return typeof v === 'number' && Number.isFinite(v) ? `$${v.toFixed(4)}/h` : '—'
}

export function buildPriceOptions({
  points,
  notices = [],
  theme = DEFAULT_CHART_THEME
}: PriceChartInput): PriceModel {
  const series = groupPrices(points)
  const noticeData: PricePair[] = []
  for (const n of notices) {
    const line = lineFor(n, series)
    if (!line) continue
    const price = priceAt(line.data, n.at)
    if (price !== undefined) noticeData.push([n.at, price])
  }
  noticeData.sort((a, b) => a[0] - b[0])
  const total = points.length
  const axisLine = { lineStyle: { color: theme.border } }
  const option: EChartsCoreOption = {
    animation: total < PROGRESSIVE_THRESHOLD,
    textStyle: { color: theme.fg },
    color: theme.palette,
    grid: { left: 56, right: 16, top: 36, bottom: 64 },
    legend: { type: 'scroll', top: 0, textStyle: { color: theme.fg } },
    tooltip: {
      trigger: 'axis',
      backgroundColor: theme.panel,
      borderColor: theme.border,
      textStyle: { color: theme.fg },
      valueFormatter: formatPriceValue
    },
    xAxis: {
      type: 'time',
      axisLine,
      axisLabel: { color: theme.muted },
      splitLine: { show: false }
    },
    yAxis: {
      type: 'value',
      name: '$/h',
      scale: true,
      nameTextStyle: { color: theme.muted },
      axisLine,
      axisLabel: { color: theme.muted },
      splitLine: { lineStyle: { color: theme.border } }
    },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
      {
        type: 'slider',
        xAxisIndex: 0,
        height: 18,
        bottom: 8,
        filterMode: 'none',
        textStyle: { color: theme.muted },
        borderColor: theme.border
      }
    ],
    series: [
      ...series.map((s, i) => ({
        id: `price-${i}`,
        name: s.name,
        type: 'line',
        // flat typed array: two dimensions per point, time on x and price on y
        data: s.data,
        dimensions: ['time', 'price'],
        encode: { x: 0, y: 1 },
        showSymbol: false,
        symbol: 'none',
        sampling: 'lttb',
        large: true,
        largeThreshold: 2000,
        progressive: PROGRESSIVE_CHUNK,
        progressiveThreshold: PROGRESSIVE_THRESHOLD,
        lineStyle: { width: 1.25 },
        emphasis: { disabled: true }
      })),
      {
        id: NOTICE_SERIES_ID,
        name: 'Preemption notices',
        type: 'scatter',
        data: noticeData,
        symbol: 'diamond',
        symbolSize: 11,
        z: 5,
        itemStyle: { color: theme.danger, borderColor: theme.panel, borderWidth: 1 }
      }
    ]
  }
  return { option, series, noticeCount: noticeData.length }
}
