// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { CostRow } from '@shared/api'
import type { SpotPricePoint } from '@shared/fleet'
import { ClientError } from '@renderer/api/client'
import { CLIENT_KEY } from '@renderer/api/use-client'
import { useFleetStore } from '@renderer/stores/fleet'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { useStatusStore } from '@renderer/stores/status'
import { FIT_LOOKBACK_MS, useTimeRangeStore } from '@renderer/stores/time-range'
import {
  STATUS,
  T0,
  fakeClient,
  flush,
  instanceView,
  type FakeClient
} from '../../../../test/support/renderer/fake-client'
import CostsView from './CostsView.vue'

// ECharts cannot draw in happy-dom: VChart is a stub that exposes its option's series
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    name: 'VChart',
    props: ['option', 'loading', 'autoresize'],
    setup(props) {
      return () => {
        const series = (props.option as { series: { id: string; data: ArrayLike<unknown> }[] })
          .series
        // a flat Float64Array holds two numbers per point
        const points = (data: ArrayLike<unknown>): number =>
          data instanceof Float64Array ? data.length / 2 : data.length
        return h('div', {
          'data-test': 'vchart',
          'data-series': series.map((s) => `${s.id}:${points(s.data)}`).join(',')
        })
      }
    }
  })
}))

const HOUR = 3_600_000
const DAY = 24 * HOUR
const NOW = T0 + 2 * HOUR
let pinia: Pinia
let client: FakeClient
let wrapper: VueWrapper | null = null

const ROWS: Record<string, CostRow[]> = {
  day: [
    { key: '2025-03-03', cost: 2.5, ondemandCost: 7, instanceHours: 7 },
    { key: '2025-03-04', cost: 1.25, ondemandCost: 4, instanceHours: 4 }
  ],
  instance: [
    { key: 'a', cost: 3, ondemandCost: 8, instanceHours: 8, name: 'old-name' },
    // terminated: not in the live fleet, named from history
    { key: 'b', cost: 0.75, ondemandCost: 3, instanceHours: 3, name: 'gpu-b' }
  ],
  type: [{ key: 'g5.xlarge', cost: 3.75, ondemandCost: 11, instanceHours: 11 }],
  zone: [
    { key: 'us-east-1a', cost: 3, ondemandCost: 8, instanceHours: 8 },
    { key: 'us-east-1b', cost: 0.75, ondemandCost: 3, instanceHours: 3 }
  ]
}

const PRICES: SpotPricePoint[] = [
  {
    at: NOW - HOUR,
    region: 'us-east-1',
    zone: 'us-east-1a',
    instanceType: 'g5.xlarge',
    price: 0.35
  },
  {
    at: NOW - 30 * 60_000,
    region: 'us-east-1',
    zone: 'us-east-1a',
    instanceType: 'g5.xlarge',
    price: 0.4
  },
  { at: NOW - HOUR, region: 'us-east-1', zone: 'us-east-1b', instanceType: 'g5.xlarge', price: 0.5 }
]

async function mountCosts(): Promise<VueWrapper> {
  wrapper = mount(CostsView, {
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
    attachTo: document.body
  })
  await flush()
  return wrapper
}

describe('CostsView', () => {
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(NOW)
    useStatusStore().setStatus({ ...STATUS, now: NOW }, NOW)
    useFleetStore().replace([instanceView('a', { name: 'gpu-a', zone: 'us-east-1a' })])
    client = fakeClient()
    client.costs.mockImplementation(async ({ by }: { by: string }) => structuredClone(ROWS[by]))
    // spend from an hour before now, in 30 s buckets of wall time
    client.costSeries.mockImplementation(async ({ from, to }: { from: number; to: number }) => {
      const bucketMs = 30_000
      const points = []
      for (let at = from; at < to; at += bucketMs)
        points.push({
          at,
          cost: at >= NOW - HOUR ? 0.01 : 0,
          ondemandCost: at >= NOW - HOUR ? 0.03 : 0
        })
      return { bucketMs, points: points.slice(-600) }
    })
    client.savings.mockResolvedValue({ cost: 3.75, ondemandCost: 11, savingsPct: 65.9 })
    client.spotPrices.mockResolvedValue(PRICES)
    client.events.mockResolvedValue([
      {
        id: 1,
        at: NOW - 20 * 60_000,
        kind: 'notice',
        instanceId: 'a',
        data: { deadline: NOW - 18 * 60_000 }
      }
    ])
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    document.body.innerHTML = ''
    vi.useRealTimers()
  })

  it('by default fits the window to the spend and shows the headline, charts and breakdowns', async () => {
    const w = await mountCosts()
    expect(w.find('h1').text()).toBe('Costs')
    // the first event over the whole look-back is where the data starts (a notice 20 min ago here)
    expect(client.events).toHaveBeenNthCalledWith(1, {
      from: NOW - FIT_LOOKBACK_MS,
      to: NOW,
      limit: 1
    })
    const last = client.costSeries.mock.calls.at(-1)![0] as { from: number; to: number }
    expect(last).toEqual({ from: Math.floor(NOW - 20 * 60_000 * 1.03), to: NOW, buckets: 120 })
    const window = { from: last.from, to: NOW }
    for (const by of ['instance', 'type', 'zone'])
      expect(client.costs).toHaveBeenCalledWith({ ...window, by })
    expect(client.costs).not.toHaveBeenCalledWith(expect.objectContaining({ by: 'day' }))
    expect(client.savings).toHaveBeenCalledWith(window)
    expect(client.spotPrices).toHaveBeenCalledWith(window)
    expect(client.events).toHaveBeenCalledWith(
      expect.objectContaining({ ...window, kinds: ['notice'] })
    )

    const headline = w.find('[data-test="costs-headline"]')
    expect(headline.find('[data-test="headline-cost"]').text()).toBe('$3.75')
    expect(headline.find('[data-test="headline-ondemand"]').text()).toBe('$11.00')
    expect(headline.find('[data-test="headline-savings"]').text()).toBe('65.9%')

    // cumulative lines over time (a point per bucket and the start), bars merged to about two dozen
    const series = w
      .find('[data-test="cost-chart"] [data-test="vchart"]')
      .attributes('data-series')!
      .split(',')
    expect(series[0]).toMatch(/^per-bucket:(2[0-4]|1\d)$/)
    expect(series[1]).toMatch(/^spend:\d{2,3}$/)
    expect(series[2]).toMatch(/^baseline:\d{2,3}$/)
    // a bar's span on the sandbox clock (×360): never one bar per day for an hour of data
    expect(w.find('[data-test="bar-span"]').text()).toMatch(/spend per \d+h \d\dm/)
    // two zone lines and the notice on instance a (zone us-east-1a) placed at its price
    expect(w.find('[data-test="price-chart"] [data-test="vchart"]').attributes('data-series')).toBe(
      'price-0:2,price-1:1,notices:1'
    )

    const byInstance = w.find('[data-test="breakdown-instance"]')
    const names = byInstance.findAll('[data-test="instance-name"]').map((n) => n.text())
    // the live fleet's name first; a terminated instance by the name history kept
    expect(names).toEqual(['gpu-a', 'gpu-b'])
    const rows = byInstance.findAll('tbody tr')
    expect(rows[0].text()).toContain('$3.00')
    expect(rows[0].text()).toContain('$8.00')
    expect(rows[0].text()).toContain('8.0') // instance-hours
    expect(w.find('[data-test="breakdown-type"]').text()).toContain('g5.xlarge')
    expect(w.find('[data-test="breakdown-type"]').text()).toContain('11.0')
    expect(w.find('[data-test="breakdown-zone"]').findAll('tbody tr')).toHaveLength(2)
  })

  it('reloads for the range chosen in the shared picker, counted in sandbox time', async () => {
    const w = await mountCosts()
    await w.find('[data-range="7d"]').trigger('click')
    await flush()
    // seven sandbox days at ×360 are 28 minutes of wall time
    const window = { from: NOW - (7 * DAY) / 360, to: NOW }
    expect(client.costSeries).toHaveBeenLastCalledWith({ ...window, buckets: 120 })
    expect(client.costs).toHaveBeenCalledWith({ ...window, by: 'zone' })
    expect(client.savings).toHaveBeenLastCalledWith(window)
    expect(client.spotPrices).toHaveBeenLastCalledWith(window)
    expect(w.find('[data-range="7d"]').attributes('aria-pressed')).toBe('true')
    expect(useTimeRangeStore().choice).toBe('7d')
  })

  it('loads a custom range, and refuses an end before the start', async () => {
    const w = await mountCosts()
    const calls = client.savings.mock.calls.length
    await w.find('[data-range="custom"]').trigger('click')
    const from = new Date(2025, 2, 1, 8, 0).getTime()
    const to = new Date(2025, 2, 2, 20, 30).getTime()
    await w.find('[data-test="range-from"]').setValue('2025-03-02T21:00')
    await w.find('[data-test="range-to"]').setValue('2025-03-02T20:30')
    await w.find('[data-test="range-apply"]').trigger('submit')
    await flush()
    expect(w.find('[data-test="range-error"]').text()).toBe('The end must be after the start.')
    expect(client.savings.mock.calls.length).toBe(calls)
    await w.find('[data-test="range-from"]').setValue('2025-03-01T08:00')
    await w.find('[data-test="range-apply"]').trigger('submit')
    await flush()
    expect(client.savings).toHaveBeenLastCalledWith({ from, to })
    expect(client.spotPrices).toHaveBeenLastCalledWith({ from, to })
    expect(w.find('[data-range="custom"]').attributes('aria-pressed')).toBe('true')
  })

  it('shows empty states when nothing happened in the window, and errors in a toast', async () => {
    client.costs.mockImplementation(async () => [])
    client.costSeries.mockResolvedValue({ bucketMs: 1000, points: [] })
    client.savings.mockResolvedValue({ cost: 0, ondemandCost: 0, savingsPct: 0 })
    client.spotPrices.mockResolvedValue([])
    client.events.mockResolvedValue([])
    const w = await mountCosts()
    expect(w.text()).toContain('No spend in this window')
    expect(w.text()).toContain('No spot prices in this window')
    expect(w.find('[data-test="cost-chart"]').exists()).toBe(false)
    expect(w.find('[data-test="price-chart"]').exists()).toBe(false)
    client.savings.mockRejectedValueOnce(new ClientError('failed', 'history is not open'))
    await w.find('[data-test="refresh"]').trigger('click')
    await flush()
    expect(useNotificationsStore().toasts[0]).toMatchObject({
      kind: 'error',
      message: 'history is not open'
    })
  })
})
