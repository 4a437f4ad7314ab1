import { describe, expect, it } from 'vitest'
import { init, use } from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import { LineChart, ScatterChart } from 'echarts/charts'
import {
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent
} from 'echarts/components'
import type { SpotPricePoint } from '@shared/fleet'
import {
  NOTICE_SERIES_ID,
  buildPriceOptions,
  formatPriceValue,
  groupPrices,
  priceAt
} from './price-options'

use([
  SVGRenderer,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  DataZoomInsideComponent,
  DataZoomSliderComponent
])

const T0 = Date.UTC(2025, 2, 4)
type Series = {
  id: string
  type: string
  name: string
  data: ArrayLike<unknown>
  dimensions?: string[]
  sampling?: string
  large?: boolean
  progressive?: number
  showSymbol?: boolean
}

function manyPoints(n: number): SpotPricePoint[] {
  const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-west-2a']
  const points: SpotPricePoint[] = []
  for (let i = 0; i < n; i++) {
    const zone = zones[i % zones.length]
    points.push({
      at: T0 + Math.floor(i / zones.length) * 60_000,
      region: zone.slice(0, -1),
      zone,
      instanceType: 'g5.xlarge',
      price: 0.3 + (i % 17) / 100
    })
  }
  return points
}

describe('buildPriceOptions', () => {
  // how fast is measured by `npm run bench` (test/bench/charts.bench.ts), not here: a timed test
  // fails on a busy machine without anything being wrong
  it('builds 100,000 points as sampled, large, progressive lines of flat typed arrays', () => {
    const points = manyPoints(100_000)
    const { option, series } = buildPriceOptions({ points })
    const lines = (option.series as Series[]).filter((s) => s.type === 'line')
    expect(lines).toHaveLength(4)
    expect(series.map((s) => s.name)).toEqual([
      'us-east-1a · g5.xlarge',
      'us-east-1b · g5.xlarge',
      'us-east-1c · g5.xlarge',
      'us-west-2a · g5.xlarge'
    ])
    let total = 0
    for (const line of lines) {
      expect(line.sampling).toBe('lttb')
      expect(line.large).toBe(true)
      expect(line.progressive).toBeGreaterThan(0)
      expect(line.showSymbol).toBe(false)
      // flat: one Float64Array [t0, p0, t1, p1, ...] per line, no object or array per point
      expect(line.data).toBeInstanceOf(Float64Array)
      expect(line.dimensions).toEqual(['time', 'price'])
      expect(typeof line.data[0]).toBe('number')
      total += line.data.length / 2
    }
    expect(total).toBe(100_000)
  })

  it('draws 100,000 points (ECharts, SVG renderer), sampled to about one point per pixel', () => {
    const points = manyPoints(100_000)
    const chart = init(null, null, { renderer: 'svg', ssr: true, width: 1200, height: 320 })
    try {
      const { option } = buildPriceOptions({
        points,
        notices: [{ at: T0 + 3_600_000, zone: 'us-east-1a', instanceType: 'g5.xlarge' }]
      })
      chart.setOption(option)
      const svg = chart.renderToSVGString()
      // every zone's line is drawn, sampled down to about one point per pixel rather than 25,000
      const paths = svg.match(/<path d="M[^"]*"[^>]*fill="none"/g) ?? []
      expect(paths.length).toBeGreaterThanOrEqual(4)
      expect(svg.length).toBeLessThan(2_000_000)
    } finally {
      chart.dispose()
    }
  })

  it('overlays notices at the price in force on their zone x type line', () => {
    const points: SpotPricePoint[] = [
      { at: T0, region: 'us-east-1', zone: 'us-east-1a', instanceType: 'g5.xlarge', price: 0.3 },
      {
        at: T0 + 600_000,
        region: 'us-east-1',
        zone: 'us-east-1a',
        instanceType: 'g5.xlarge',
        price: 0.5
      },
      { at: T0, region: 'us-east-1', zone: 'us-east-1b', instanceType: 'g5.xlarge', price: 0.9 }
    ]
    const { option, noticeCount } = buildPriceOptions({
      points,
      notices: [
        { at: T0 + 300_000, zone: 'us-east-1a', instanceType: 'g5.xlarge' },
        { at: T0 + 700_000, zone: 'us-east-1a' },
        { at: T0 + 1, zone: 'nowhere-1z' }
      ]
    })
    const scatter = (option.series as Series[]).find((s) => s.id === NOTICE_SERIES_ID)!
    expect(scatter.type).toBe('scatter')
    expect(scatter.data).toEqual([
      [T0 + 300_000, 0.3],
      [T0 + 700_000, 0.5]
    ])
    expect(noticeCount).toBe(2)
  })

  it('places a notice of unknown zone only when a single line could hold it', () => {
    const one: SpotPricePoint[] = [
      { at: T0, region: 'r', zone: 'z-1a', instanceType: 'g5.xlarge', price: 0.4 }
    ]
    expect(buildPriceOptions({ points: one, notices: [{ at: T0 + 5 }] }).noticeCount).toBe(1)
    const two = [
      ...one,
      { at: T0, region: 'r', zone: 'z-1b', instanceType: 'g5.xlarge', price: 0.6 }
    ]
    expect(buildPriceOptions({ points: two, notices: [{ at: T0 + 5 }] }).noticeCount).toBe(0)
  })

  it('groups unsorted input into time-sorted pairs and finds the price in force', () => {
    const [s] = groupPrices([
      { at: T0 + 2, region: 'r', zone: 'z', instanceType: 't.x', price: 2 },
      { at: T0, region: 'r', zone: 'z', instanceType: 't.x', price: 1 }
    ])
    expect([...s.data]).toEqual([T0, 1, T0 + 2, 2])
    expect(priceAt(s.data, T0 - 10)).toBe(1)
    expect(priceAt(s.data, T0 + 1)).toBe(1)
    expect(priceAt(s.data, T0 + 2)).toBe(2)
    expect(priceAt([], T0)).toBeUndefined()
    expect(formatPriceValue([T0, 0.352])).toBe('$0.3520/h')
  })

  it('has only the notice series when there are no prices', () => {
    const { option, series } = buildPriceOptions({ points: [] })
    expect(series).toEqual([])
    expect((option.series as Series[]).map((s) => s.id)).toEqual([NOTICE_SERIES_ID])
  })
})
