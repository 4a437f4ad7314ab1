// Browser side of the chart benchmark: draws the cockpit's own chart options (the same builders the
// views use) with generated data and reports how long ECharts takes to finish drawing.
import { init, use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { CustomChart, LineChart, ScatterChart } from 'echarts/charts'
import {
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent
} from 'echarts/components'
import type { FleetEvent, SpotPricePoint } from '../../../src/shared/fleet'
import { buildPriceOptions } from '../../../src/renderer/src/charts/price-options'
import { buildTimelineOptions } from '../../../src/renderer/src/charts/timeline-options'

use([
  CanvasRenderer,
  LineChart,
  ScatterChart,
  CustomChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomInsideComponent,
  DataZoomSliderComponent
])

const T0 = Date.UTC(2026, 10, 1)

function prices(n: number): SpotPricePoint[] {
  const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d']
  const out: SpotPricePoint[] = []
  let x = 0
  for (let i = 0; i < n; i++) {
    x = 0.97 * x + 0.03 * Math.sin(i * 12.9898) // deterministic wiggle
    out.push({
      at: T0 + Math.floor(i / zones.length) * 60_000,
      region: 'us-east-1',
      zone: zones[i % zones.length],
      instanceType: 'g5.xlarge',
      price: 0.35 * (1 + 0.2 * x)
    })
  }
  return out
}

function events(n: number): FleetEvent[] {
  const kinds: FleetEvent['kind'][] = [
    'launch',
    'running',
    'notice',
    'drain-start',
    'drain-end',
    'failover-phase',
    'failover-end',
    'terminate'
  ]
  return Array.from({ length: n }, (_, i) => ({
    at: T0 + i * 30_000,
    kind: kinds[i % kinds.length],
    instanceId: `i-${(i % 40).toString(16).padStart(17, '0')}`,
    data: { phase: 'spawn', durationMs: 100 }
  }))
}

function draw(option: unknown): Promise<number> {
  const host = document.createElement('div')
  host.style.cssText = 'width:1200px;height:480px'
  document.body.appendChild(host)
  const start = performance.now()
  const chart = init(host, undefined, { renderer: 'canvas' })
  return new Promise((resolve) => {
    chart.on('finished', () => {
      const ms = performance.now() - start
      chart.dispose()
      host.remove()
      resolve(ms)
    })
    chart.setOption(option as never)
  })
}

async function median(
  times: number,
  make: () => unknown
): Promise<{ median: number; build: number }> {
  const drawn: number[] = []
  let build = 0
  for (let i = 0; i < times; i++) {
    const t = performance.now()
    const option = make()
    build = performance.now() - t
    drawn.push(build + (await draw(option)))
  }
  drawn.sort((a, b) => a - b)
  return { median: drawn[Math.floor(times / 2)], build }
}

;(window as unknown as { runChartBench: () => Promise<unknown> }).runChartBench = async () => {
  const points = prices(100_000)
  const log = events(10_000)
  const price = await median(5, () => buildPriceOptions({ points }).option)
  const timeline = await median(
    5,
    () => buildTimelineOptions({ events: log, from: T0, to: T0 + 10_000 * 30_000 }).option
  )
  return { price, timeline }
}
