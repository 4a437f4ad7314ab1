import { describe, expect, it } from 'vitest'
import type { FleetEvent } from '@shared/fleet'
import { FLEET_EVENT_KINDS } from '@shared/fleet'
import {
  FLEET_LANE,
  LARGE_THRESHOLD,
  MARK_GROUPS,
  MAX_VISIBLE_LANES,
  SPAN_DRAIN,
  SPAN_FAILOVER,
  SPAN_LIFETIME_ONDEMAND,
  SPAN_LIFETIME_SPOT,
  buildTimelineOptions,
  cursorPatch,
  groupOf
} from './timeline-options'
import { MIN, T0, scenario } from '../../../../test/support/renderer/fake-client'

type Series = {
  id: string
  type: string
  data: unknown[]
  large?: boolean
  largeThreshold?: number
  progressive?: number
}
type Option = {
  series: Series[]
  yAxis: { type: string; data: string[]; axisLabel: { formatter: (id: string) => string } }
  xAxis: { type: string; min: number; max: number }
  dataZoom: { type: string; id: string; xAxisIndex?: number; yAxisIndex?: number }[]
  animation: boolean
  tooltip: { formatter: (p: { seriesId?: string; dataIndex: number }) => string }
}

const scatter = (option: Option): Series[] => option.series.filter((s) => s.type === 'scatter')

function many(count: number, lanes: number): FleetEvent[] {
  const kinds = FLEET_EVENT_KINDS
  return Array.from({ length: count }, (_, i) => ({
    at: T0 + i * 1000,
    kind: kinds[i % kinds.length],
    instanceId: `i-${i % lanes}`
  }))
}

describe('buildTimelineOptions', () => {
  it('makes one lane per instance, live ones first, labelled with names', () => {
    const model = buildTimelineOptions({ events: scenario(), from: T0, to: T0 + 90 * MIN })
    const option = model.option as unknown as Option
    // a was launched first but terminated: b, still alive, comes first
    expect(model.lanes).toEqual(['b', 'a'])
    expect(option.yAxis.type).toBe('category')
    expect(option.yAxis.data).toEqual(['b', 'a'])
    // the launch snapshot names the lane
    expect(option.yAxis.axisLabel.formatter('a')).toBe('node-a')
    const renamed = buildTimelineOptions({
      events: scenario(),
      from: T0,
      to: T0 + 90 * MIN,
      names: { b: 'primary' }
    })
    expect((renamed.option as unknown as Option).yAxis.axisLabel.formatter('b')).toBe('primary')
  })

  it('puts events without an instance in a fleet-wide lane', () => {
    const model = buildTimelineOptions({
      events: [{ at: T0, kind: 'budget-blocked' }],
      from: T0,
      to: T0 + MIN
    })
    expect(model.lanes).toEqual([FLEET_LANE])
  })

  it('draws exactly one mark per event, each in its kind group, as [time, lane] pairs', () => {
    const events = scenario()
    const model = buildTimelineOptions({ events, from: T0, to: T0 + 90 * MIN })
    const series = scatter(model.option as unknown as Option)
    expect(series.map((s) => s.id)).toEqual(MARK_GROUPS.map((g) => `mark-${g.id}`))
    expect(series.reduce((n, s) => n + s.data.length, 0)).toBe(events.length)
    const marked = Object.values(model.marks)
      .flat()
      .sort((x, y) => x - y)
    expect(marked).toEqual(events.map((_, i) => i))
    for (const s of series) {
      s.data.forEach((point, j) => {
        const e = events[model.marks[s.id][j]]
        expect(point).toEqual([e.at, model.lanes.indexOf(e.instanceId as string)])
        expect(`mark-${groupOf(e.kind).id}`).toBe(s.id)
      })
    }
    // a click finds the event back
    const noticeSeries = series.find((s) => s.id === 'mark-notice') as Series
    expect(noticeSeries.data).toHaveLength(1)
    expect(events[model.eventIndexAt('mark-notice', 0) as number].kind).toBe('notice')
  })

  it('every known kind belongs to a group', () => {
    for (const kind of FLEET_EVENT_KINDS) expect(groupOf(kind).id).not.toBe('other')
    expect(groupOf('something-new').id).toBe('other')
  })

  it('draws lifetimes and drains as spans', () => {
    const model = buildTimelineOptions({ events: scenario(), from: T0, to: T0 + 90 * MIN })
    const spans = (model.option as unknown as Option).series.find((s) => s.id === 'spans') as Series
    const rows = spans.data as number[][]
    // a: launch 0 -> terminate 62 (spot); b: launch 10 -> window end (on-demand); a's drain 60:00.5 -> 61
    expect(rows).toContainEqual([T0, T0 + 62 * MIN, 1, SPAN_LIFETIME_SPOT, 0])
    expect(rows).toContainEqual([T0 + 10 * MIN, T0 + 90 * MIN, 0, SPAN_LIFETIME_ONDEMAND, 2])
    expect(rows).toContainEqual([T0 + 60 * MIN + 500, T0 + 61 * MIN, 1, SPAN_DRAIN, 5])
    expect(
      model.eventIndexAt(
        'spans',
        rows.findIndex((r) => r[3] === SPAN_DRAIN)
      )
    ).toBe(5)
  })

  it('draws a failover bar only from a phase in the data, never from the window start', () => {
    const model = buildTimelineOptions({
      events: [
        // a spare dropped from the pool: an end without phases
        { at: T0 + MIN, kind: 'failover-end', instanceId: 'spare', data: { outcome: 'ok' } },
        { at: T0 + 2 * MIN, kind: 'failover-phase', instanceId: 'a', data: { phase: 'noticed' } },
        { at: T0 + 3 * MIN, kind: 'failover-phase', instanceId: 'a', data: { phase: 'routed' } },
        { at: T0 + 4 * MIN, kind: 'failover-end', instanceId: 'a', data: { outcome: 'ok' } }
      ],
      from: T0,
      to: T0 + 5 * MIN
    })
    const spans = (model.option as unknown as Option).series.find((s) => s.id === 'spans') as Series
    const failovers = (spans.data as number[][]).filter((r) => r[3] === SPAN_FAILOVER)
    expect(failovers).toEqual([
      [T0 + 2 * MIN, T0 + 4 * MIN, model.lanes.indexOf('a'), SPAN_FAILOVER, 1]
    ])
  })

  it('reads times with the clock it is given (the sandbox clock in sandbox mode)', () => {
    const option = buildTimelineOptions({
      events: scenario(),
      from: T0,
      to: T0 + 90 * MIN,
      formatTime: (ms) => `S${(ms - T0) / MIN}`
    }).option as unknown as Option & { xAxis: { axisLabel: { formatter: (v: number) => string } } }
    expect(option.xAxis.axisLabel.formatter(T0 + 5 * MIN)).toBe('S5')
    expect(option.tooltip.formatter({ seriesId: 'mark-notice', dataIndex: 0 })).toContain('S60')
  })

  it('an instance alive before the window starts its lifetime at the window start', () => {
    const model = buildTimelineOptions({
      events: [{ at: T0 + MIN, kind: 'terminate', instanceId: 'old' }],
      from: T0,
      to: T0 + 5 * MIN
    })
    const spans = (model.option as unknown as Option).series.find((s) => s.id === 'spans') as Series
    expect(spans.data).toEqual([[T0, T0 + MIN, 0, SPAN_LIFETIME_SPOT, -1]])
    expect(model.eventIndexAt('spans', 0)).toBeUndefined()
  })

  it('zooms and pans on the time axis (inside + slider) over the window', () => {
    const option = buildTimelineOptions({ events: scenario(), from: T0, to: T0 + 90 * MIN })
      .option as unknown as Option
    expect(option.xAxis).toMatchObject({ type: 'time', min: T0, max: T0 + 90 * MIN })
    expect(option.dataZoom.map((z) => [z.type, z.xAxisIndex])).toEqual([
      ['inside', 0],
      ['slider', 0]
    ])
  })

  it('adds a vertical slider when there are more lanes than fit', () => {
    const option = buildTimelineOptions({
      events: many(200, MAX_VISIBLE_LANES + 5),
      from: T0,
      to: T0 + 200_000
    }).option as unknown as Option
    expect(option.dataZoom.find((z) => z.yAxisIndex === 0)?.type).toBe('slider')
  })

  it('keeps 10,000 events cheap: large + progressive, no animation, flat point arrays', () => {
    const events = many(10_000, 40)
    const model = buildTimelineOptions({ events, from: T0, to: T0 + 10_000_000 })
    const option = model.option as unknown as Option
    expect(option.animation).toBe(false)
    const series = scatter(option)
    expect(series.reduce((n, s) => n + s.data.length, 0)).toBe(10_000)
    for (const s of series) {
      expect(s.large).toBe(true)
      expect(s.largeThreshold).toBe(LARGE_THRESHOLD)
      expect(s.progressive).toBeGreaterThan(0)
      expect(s.data.every((p) => Array.isArray(p) && (p as unknown[]).length === 2)).toBe(true)
    }
    expect(model.lanes).toHaveLength(40)
  })

  it('handles unsorted input and moves the cursor with a small patch', () => {
    const events = scenario().reverse()
    const model = buildTimelineOptions({ events, from: T0, to: T0 + 90 * MIN, cursor: T0 + MIN })
    expect(model.lanes).toEqual(['b', 'a'])
    const cursor = (model.option as unknown as Option).series.find(
      (s) => s.id === 'cursor'
    ) as Series
    expect(cursor.data).toEqual([[T0 + MIN, 0]])
    expect(cursorPatch(null)).toEqual({ series: [{ id: 'cursor', data: [] }] })
  })

  it('escapes engine text in tooltips', () => {
    const model = buildTimelineOptions({
      events: [
        {
          at: T0,
          kind: 'launch-failed',
          instanceId: 'x',
          data: { reason: '<img src=x onerror=alert(1)>' }
        }
      ],
      from: T0,
      to: T0 + MIN
    })
    const html = (model.option as unknown as Option).tooltip.formatter({
      seriesId: 'mark-refused',
      dataIndex: 0
    })
    expect(html).toContain('&lt;img')
    expect(html).not.toContain('<img')
  })
})
