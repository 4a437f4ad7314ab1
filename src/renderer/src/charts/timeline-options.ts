// The Timeline chart's ECharts option, built by one pure function from the window's events.
//
// Layout: one swim lane (a y category) per instance, time on x. Every event is exactly one mark in a
// scatter series of its group (launches, notices, drains, ...); drains (start -> end), failovers
// (first phase -> end) and instance lifetimes (launch -> terminate) are also drawn as bars by one
// custom series. Scatter data are plain [time, lane] pairs (no per-point objects), large mode and
// progressive rendering switch on for big windows, so 10,000 events draw in well under half a second.
import type { EChartsCoreOption } from 'echarts/core'
import type { FleetEvent, FleetEventKind } from '@shared/fleet'
import { escapeHtml } from './html'

/** Lane of events that name no instance (budget refusals, fleet-wide notes). */
export const FLEET_LANE = '(fleet)'
/** Lanes shown at once before the vertical zoom slider appears. */
export const MAX_VISIBLE_LANES = 14
/** Above this many points a scatter series switches to ECharts' large mode. */
export const LARGE_THRESHOLD = 2000

export interface MarkGroup {
  id: string
  label: string
  kinds: readonly FleetEventKind[]
  symbol: string
  size: number
  color: { light: string; dark: string }
}

const DOWN_TRIANGLE = 'path://M0,0L10,0L5,9Z'

/** Each event kind belongs to exactly one group; unknown kinds fall into 'other'. */
export const MARK_GROUPS: readonly MarkGroup[] = [
  {
    id: 'launch',
    label: 'Launches',
    kinds: ['launch', 'running', 'standby'],
    symbol: 'triangle',
    size: 9,
    color: { light: '#1f8a4c', dark: '#5fd08a' }
  },
  {
    id: 'refused',
    label: 'Refused',
    kinds: ['launch-failed', 'budget-blocked'],
    symbol: 'emptyCircle',
    size: 8,
    color: { light: '#6b7280', dark: '#9aa3ae' }
  },
  {
    id: 'notice',
    label: 'Notices',
    kinds: ['notice'],
    symbol: 'diamond',
    size: 12,
    color: { light: '#d03131', dark: '#ff7676' }
  },
  {
    id: 'rebalance',
    label: 'Rebalance',
    kinds: ['rebalance'],
    symbol: 'emptyDiamond',
    size: 11,
    color: { light: '#b7791f', dark: '#f2c14b' }
  },
  {
    id: 'drain',
    label: 'Drains',
    kinds: ['drain-start', 'drain-end'],
    symbol: 'rect',
    size: 7,
    color: { light: '#d97706', dark: '#fbaa45' }
  },
  {
    id: 'failover',
    label: 'Failover',
    kinds: ['failover-phase', 'failover-end'],
    symbol: 'roundRect',
    size: 8,
    color: { light: '#7c3aed', dark: '#b794ff' }
  },
  {
    id: 'checkpoint',
    label: 'Checkpoints',
    kinds: ['checkpoint', 'job-exit'],
    symbol: 'circle',
    size: 5,
    color: { light: '#0e7490', dark: '#4fd1e0' }
  },
  {
    id: 'terminate',
    label: 'Terminations',
    kinds: ['terminate'],
    symbol: DOWN_TRIANGLE,
    size: 9,
    color: { light: '#1f2937', dark: '#e5e7eb' }
  },
  {
    id: 'other',
    label: 'Other',
    kinds: [],
    symbol: 'circle',
    size: 5,
    color: { light: '#64748b', dark: '#94a3b8' }
  }
]

const GROUP_OF_KIND = new Map<string, number>()
MARK_GROUPS.forEach((g, i) => g.kinds.forEach((k) => GROUP_OF_KIND.set(k, i)))
const OTHER_GROUP = MARK_GROUPS.length - 1

export const SPAN_LIFETIME_SPOT = 0
export const SPAN_LIFETIME_ONDEMAND = 1
export const SPAN_DRAIN = 2
export const SPAN_FAILOVER = 3

export interface TimelineInput {
  events: readonly FleetEvent[]
  from: number
  to: number
  /** display names by instance id (launch snapshots supply them too) */
  names?: Readonly<Record<string, string>>
  dark?: boolean
  /** the scrubber's instant, drawn as a vertical line */
  cursor?: number | null
  /**
   * How a time reads on the axis and in tooltips (the sandbox's clock in sandbox mode); local
   * wall time when absent.
   */
  formatTime?: (ms: number, withDate: boolean) => string
}

export interface TimelineModel {
  option: EChartsCoreOption
  /** lane ids; lane i is y category i */
  lanes: string[]
  /** event index of every data point, per scatter series id */
  marks: Record<string, number[]>
  /** event index behind every span, -1 when none (a lifetime begun before the window) */
  spanEvents: number[]
  /** the event index a click on (seriesId, dataIndex) points at */
  eventIndexAt(seriesId: string, dataIndex: number): number | undefined
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function snapshotOf(e: FleetEvent): Record<string, unknown> | undefined {
  if (e.kind !== 'launch' || !e.data) return undefined
  return isRecord(e.data.instance) ? e.data.instance : e.data
}

/** The lane an event belongs to: its instance (a launch may name it only in its snapshot). */
export function laneOf(e: FleetEvent): string {
  if (e.instanceId) return e.instanceId
  const id = snapshotOf(e)?.id
  return typeof id === 'string' && id ? id : FLEET_LANE
}

export function groupOf(kind: string): MarkGroup {
  return MARK_GROUPS[GROUP_OF_KIND.get(kind) ?? OTHER_GROUP]
}

const pad = (n: number): string => String(n).padStart(2, '0')
function wallClock(ms: number, withDate: boolean): string {
  const d = new Date(ms)
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time
}

interface Palette {
  text: string
  muted: string
  grid: string
  axis: string
  background: string
  lifetimeSpot: string
  lifetimeOndemand: string
  cursor: string
  tooltipBg: string
  tooltipBorder: string
}

function palette(dark: boolean): Palette {
  return dark
    ? {
        text: '#e6e9ed',
        muted: '#98a1ad',
        grid: '#262c34',
        axis: '#3d4550',
        background: 'transparent',
        lifetimeSpot: 'rgba(121,175,255,0.20)',
        lifetimeOndemand: 'rgba(200,205,215,0.16)',
        cursor: '#84b3ff',
        tooltipBg: '#1d2229',
        tooltipBorder: '#3d4550'
      }
    : {
        text: '#1a1e24',
        muted: '#5c6470',
        grid: '#e9ecf0',
        axis: '#b9bfc9',
        background: 'transparent',
        lifetimeSpot: 'rgba(29,92,168,0.14)',
        lifetimeOndemand: 'rgba(90,100,115,0.14)',
        cursor: '#2456c4',
        tooltipBg: '#ffffff',
        tooltipBorder: '#d5d9e0'
      }
}

interface RenderParams {
  coordSys: { x: number; y: number; width: number; height: number }
}
interface RenderApi {
  value(dim: number): number
  coord(point: [number, number]): number[]
  size(size: [number, number]): number[]
}

/** Builds the chart option and the index maps a click needs. Pure: same input, same output. */
export function buildTimelineOptions(input: TimelineInput): TimelineModel {
  const { events, from, to } = input
  const dark = input.dark ?? false
  const colors = palette(dark)
  const n = events.length
  const clock = input.formatTime ?? wallClock

  // time order without copying the events (they usually arrive sorted already)
  let order: number[] | null = null
  for (let i = 1; i < n; i++) {
    if (events[i].at < events[i - 1].at) {
      order = Array.from({ length: n }, (_, k) => k).sort(
        (a, b) => events[a].at - events[b].at || a - b
      )
      break
    }
  }
  const at = (k: number): number => (order ? order[k] : k)

  // lanes in order of first appearance; names from launch snapshots, then the caller's map
  const laneIndex = new Map<string, number>()
  const lanes: string[] = []
  const names: Record<string, string> = {}
  const laneMarket: Record<string, string> = {}
  const eventLane = new Int32Array(n)
  for (let k = 0; k < n; k++) {
    const i = at(k)
    const e = events[i]
    const lane = laneOf(e)
    let li = laneIndex.get(lane)
    if (li === undefined) {
      li = lanes.length
      laneIndex.set(lane, li)
      lanes.push(lane)
    }
    eventLane[i] = li
    const snap = snapshotOf(e)
    if (snap) {
      if (typeof snap.name === 'string' && snap.name) names[lane] = snap.name
      if (typeof snap.market === 'string') laneMarket[lane] = snap.market
    }
  }
  if (input.names) for (const [id, name] of Object.entries(input.names)) if (name) names[id] = name

  // live lanes first: an instance whose last word in the window is not a termination, then the
  // ended ones, the fleet-wide lane last; each group in order of first appearance
  const ended = new Uint8Array(lanes.length)
  for (let k = 0; k < n; k++) {
    const i = at(k)
    const kind = events[i].kind
    if (kind === 'launch') ended[eventLane[i]] = 0
    else if (kind === 'terminate' || kind === 'launch-failed') ended[eventLane[i]] = 1
  }
  const rank = (li: number): number => (lanes[li] === FLEET_LANE ? 2 : ended[li])
  const newOrder = lanes.map((_, li) => li).sort((a, b) => rank(a) - rank(b) || a - b)
  const moved = new Int32Array(lanes.length)
  newOrder.forEach((old, position) => (moved[old] = position))
  const ordered = newOrder.map((old) => lanes[old])
  lanes.length = 0
  lanes.push(...ordered)
  for (let i = 0; i < n; i++) eventLane[i] = moved[eventLane[i]]

  // scatter marks: one per event, grouped
  const groupData: [number, number][][] = MARK_GROUPS.map(() => [])
  const groupEvents: number[][] = MARK_GROUPS.map(() => [])
  for (let k = 0; k < n; k++) {
    const i = at(k)
    const g = GROUP_OF_KIND.get(events[i].kind) ?? OTHER_GROUP
    groupData[g].push([events[i].at, eventLane[i]])
    groupEvents[g].push(i)
  }

  // spans: [start, end, lane, type, eventIndex]
  const spans: number[][] = []
  const spanEvents: number[] = []
  const lifeStart = new Map<number, { at: number; event: number }>()
  const drainStart = new Map<number, { at: number; event: number }>()
  const failoverStart = new Map<number, { at: number; event: number }>()
  const seenLane = new Set<number>()
  const pushSpan = (
    start: number,
    end: number,
    lane: number,
    type: number,
    event: number
  ): void => {
    spans.push([start, Math.max(start, end), lane, type, event])
    spanEvents.push(event)
  }
  const lifeType = (lane: number): number =>
    laneMarket[lanes[lane]] === 'ondemand' ? SPAN_LIFETIME_ONDEMAND : SPAN_LIFETIME_SPOT
  for (let k = 0; k < n; k++) {
    const i = at(k)
    const e = events[i]
    const lane = eventLane[i]
    if (lanes[lane] === FLEET_LANE) continue
    if (!seenLane.has(lane)) {
      seenLane.add(lane)
      // first seen without a launch: the instance was alive when the window opened
      if (e.kind !== 'launch') lifeStart.set(lane, { at: from, event: -1 })
    }
    switch (e.kind) {
      case 'launch':
        lifeStart.set(lane, { at: e.at, event: i })
        break
      case 'terminate':
      case 'launch-failed': {
        const s = lifeStart.get(lane)
        if (s) pushSpan(s.at, e.at, lane, lifeType(lane), s.event)
        lifeStart.delete(lane)
        break
      }
      case 'drain-start':
        drainStart.set(lane, { at: e.at, event: i })
        break
      case 'drain-end': {
        // no start in the window: the drain began before it
        const s = drainStart.get(lane) ?? { at: from, event: i }
        pushSpan(s.at, e.at, lane, SPAN_DRAIN, s.event)
        drainStart.delete(lane)
        break
      }
      case 'failover-phase':
        if (!failoverStart.has(lane)) failoverStart.set(lane, { at: e.at, event: i })
        break
      case 'failover-end': {
        // a bar needs its first phase in the data: an end alone (a spare dropped from the pool
        // without phases, or a failover begun before the window) stays a mark, never a bar
        const s = failoverStart.get(lane)
        if (s) pushSpan(s.at, e.at, lane, SPAN_FAILOVER, s.event)
        failoverStart.delete(lane)
        break
      }
    }
  }
  // still open at the window's end
  for (const [lane, s] of lifeStart) pushSpan(s.at, to, lane, lifeType(lane), s.event)
  for (const [lane, s] of drainStart) pushSpan(s.at, to, lane, SPAN_DRAIN, s.event)
  for (const [lane, s] of failoverStart) pushSpan(s.at, to, lane, SPAN_FAILOVER, s.event)

  const big = n > LARGE_THRESHOLD
  const spanColor = [
    colors.lifetimeSpot,
    colors.lifetimeOndemand,
    groupOf('drain-start').color[dark ? 'dark' : 'light'],
    groupOf('failover-end').color[dark ? 'dark' : 'light']
  ]
  const spanHeight = [0.56, 0.56, 0.22, 0.22]

  const renderSpan = (params: RenderParams, api: RenderApi): unknown => {
    const type = api.value(3)
    const lane = api.value(2)
    const start = api.coord([api.value(0), lane])
    const end = api.coord([api.value(1), lane])
    const band = api.size([0, 1])[1]
    const h = Math.max(3, band * spanHeight[type])
    const offset = type === SPAN_FAILOVER ? h * 0.9 : type === SPAN_DRAIN ? -h * 0.9 : 0
    const box = params.coordSys
    const x1 = Math.max(start[0], box.x)
    const x2 = Math.min(Math.max(end[0], start[0] + 2), box.x + box.width)
    if (x2 <= x1) return null
    return {
      type: 'rect',
      shape: {
        x: x1,
        y: start[1] - h / 2 + offset,
        width: x2 - x1,
        height: h,
        r: type <= SPAN_LIFETIME_ONDEMAND ? 2 : 1
      },
      style: { fill: spanColor[type] },
      silent: type <= SPAN_LIFETIME_ONDEMAND && api.value(4) < 0
    }
  }

  const renderCursor = (params: RenderParams, api: RenderApi): unknown => {
    const x = api.coord([api.value(0), 0])[0]
    const box = params.coordSys
    if (x < box.x || x > box.x + box.width) return null
    return {
      type: 'line',
      shape: { x1: x, y1: box.y, x2: x, y2: box.y + box.height },
      style: { stroke: colors.cursor, lineWidth: 1.5, lineDash: [4, 3] },
      silent: true
    }
  }

  const laneLabel = (id: string): string => {
    const name = names[id]
    const text = name && name !== id ? name : id
    return text.length > 22 ? `${text.slice(0, 21)}…` : text
  }

  const marks: Record<string, number[]> = {}
  MARK_GROUPS.forEach((g, gi) => (marks[`mark-${g.id}`] = groupEvents[gi]))

  const tooltipFor = (seriesId: string, dataIndex: number): string => {
    const index = seriesId === 'spans' ? spanEvents[dataIndex] : marks[seriesId]?.[dataIndex]
    if (index === undefined || index < 0) {
      if (seriesId === 'spans') {
        const s = spans[dataIndex]
        return `${escapeHtml(laneLabel(lanes[s[2]]))}<br/>alive since before the window`
      }
      return ''
    }
    const e = events[index]
    const lane = lanes[eventLane[index]]
    const head = `<b>${escapeHtml(e.kind)}</b> · ${escapeHtml(clock(e.at, true))}`
    const who =
      lane === FLEET_LANE
        ? 'fleet'
        : `${escapeHtml(laneLabel(lane))}${names[lane] ? ` <span style="opacity:.7">${escapeHtml(lane)}</span>` : ''}`
    if (seriesId === 'spans') {
      const s = spans[dataIndex]
      const what = ['alive', 'alive', 'drain', 'failover'][s[3]]
      return `${head}<br/>${who}<br/>${what} ${escapeHtml(clock(s[0], false))} → ${escapeHtml(clock(s[1], false))}`
    }
    const detail = e.data
      ? Object.entries(e.data)
          .filter(([, v]) => typeof v !== 'object' || v === null)
          .slice(0, 4)
      : []
    return `${head}<br/>${who}${detail.map(([k, v]) => `<br/><span style="opacity:.7">${escapeHtml(k)}</span> ${escapeHtml(String(v))}`).join('')}`
  }

  const scatter = MARK_GROUPS.map((g, gi) => ({
    id: `mark-${g.id}`,
    name: g.label,
    type: 'scatter',
    data: groupData[gi],
    dimensions: ['time', 'lane'],
    encode: { x: 0, y: 1 },
    symbol: g.symbol,
    symbolSize: g.size,
    itemStyle: { color: g.color[dark ? 'dark' : 'light'], opacity: 0.95 },
    emphasis: { scale: 1.6 },
    z: 3,
    large: true,
    largeThreshold: LARGE_THRESHOLD,
    progressive: 5000,
    progressiveThreshold: 10000,
    clip: true
  }))

  const dataZoom: Record<string, unknown>[] = [
    {
      type: 'inside',
      id: 'zoom-x-inside',
      xAxisIndex: 0,
      filterMode: 'none',
      zoomOnMouseWheel: true,
      moveOnMouseMove: true,
      moveOnMouseWheel: false,
      minValueSpan: 1000
    },
    {
      type: 'slider',
      id: 'zoom-x-slider',
      xAxisIndex: 0,
      filterMode: 'none',
      height: 18,
      bottom: 6,
      minValueSpan: 1000,
      showDetail: true,
      labelFormatter: (value: number) => clock(value, false),
      textStyle: { color: colors.muted },
      borderColor: colors.axis
    }
  ]
  if (lanes.length > MAX_VISIBLE_LANES) {
    dataZoom.push({
      type: 'slider',
      id: 'zoom-y-slider',
      yAxisIndex: 0,
      filterMode: 'none',
      width: 12,
      right: 6,
      startValue: 0,
      endValue: MAX_VISIBLE_LANES - 1,
      showDetail: false,
      borderColor: colors.axis
    })
  }

  const option = {
    backgroundColor: colors.background,
    animation: n <= 1000,
    textStyle: { color: colors.text },
    grid: {
      left: 150,
      right: lanes.length > MAX_VISIBLE_LANES ? 30 : 16,
      top: 30,
      bottom: 52,
      containLabel: false
    },
    legend: {
      top: 0,
      left: 150,
      itemWidth: 10,
      itemHeight: 10,
      textStyle: { color: colors.muted },
      data: MARK_GROUPS.filter((g, gi) => groupData[gi].length > 0 || g.id !== 'other').map(
        (g) => g.label
      )
    },
    tooltip: {
      trigger: 'item',
      confine: true,
      backgroundColor: colors.tooltipBg,
      borderColor: colors.tooltipBorder,
      textStyle: { color: colors.text, fontSize: 12 },
      formatter: (p: { seriesId?: string; dataIndex: number }) =>
        tooltipFor(p.seriesId ?? '', p.dataIndex)
    },
    xAxis: {
      type: 'time',
      min: from,
      max: to,
      axisLine: { lineStyle: { color: colors.axis } },
      axisLabel: {
        color: colors.muted,
        hideOverlap: true,
        ...(input.formatTime ? { formatter: (v: number) => clock(v, false) } : {})
      },
      splitLine: { show: true, lineStyle: { color: colors.grid } }
    },
    yAxis: {
      type: 'category',
      data: lanes,
      inverse: true,
      axisTick: { show: false },
      axisLine: { lineStyle: { color: colors.axis } },
      axisLabel: { color: colors.text, formatter: laneLabel, width: 136, overflow: 'truncate' },
      splitLine: { show: true, interval: 0, lineStyle: { color: colors.grid } }
    },
    dataZoom,
    series: [
      {
        id: 'spans',
        name: 'Spans',
        type: 'custom',
        renderItem: renderSpan,
        data: spans,
        dimensions: ['start', 'end', 'lane', 'type', 'event'],
        encode: { x: [0, 1], y: 2 },
        z: 1,
        clip: true,
        progressive: big ? 4000 : 0
      },
      ...scatter,
      {
        id: 'cursor',
        name: 'Cursor',
        type: 'custom',
        renderItem: renderCursor,
        data: input.cursor === null || input.cursor === undefined ? [] : [[input.cursor, 0]],
        encode: { x: 0, y: 1 },
        z: 5,
        silent: true,
        tooltip: { show: false }
      }
    ]
  } as EChartsCoreOption

  return {
    option,
    lanes,
    marks,
    spanEvents,
    eventIndexAt(seriesId, dataIndex) {
      if (seriesId === 'spans') {
        const i = spanEvents[dataIndex]
        return i === undefined || i < 0 ? undefined : i
      }
      return marks[seriesId]?.[dataIndex]
    }
  }
}

/** The patch that moves only the cursor line (cheap: no other series is touched). */
export function cursorPatch(cursor: number | null | undefined): EChartsCoreOption {
  return {
    series: [{ id: 'cursor', data: cursor === null || cursor === undefined ? [] : [[cursor, 0]] }]
  } as EChartsCoreOption
}
