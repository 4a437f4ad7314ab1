// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { ClientError } from '@renderer/api/client'
import { CLIENT_KEY } from '@renderer/api/use-client'
import { useEventsStore } from '@renderer/stores/events'
import { useFleetStore } from '@renderer/stores/fleet'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { useStatusStore } from '@renderer/stores/status'
import { FIT_LOOKBACK_MS, useTimeRangeStore } from '@renderer/stores/time-range'
import {
  MIN,
  STATUS,
  T0,
  fakeClient,
  flush,
  instanceView,
  managed,
  scenario,
  type FakeClient
} from '../../../../test/support/renderer/fake-client'
import TimelineView from './TimelineView.vue'

// ECharts cannot draw in happy-dom: the chart is a stub that shows its inputs and can emit a click
vi.mock('@renderer/charts/TimelineChart.vue', () => ({
  default: defineComponent({
    name: 'TimelineChart',
    props: ['events', 'from', 'to', 'names', 'cursor', 'dark', 'loading', 'formatTime'],
    emits: ['select'],
    setup(props, { emit }) {
      return () =>
        h(
          'div',
          {
            'data-test': 'chart',
            'data-count': props.events.length,
            'data-from': props.from,
            'data-to': props.to,
            'data-cursor': props.cursor
          },
          [h('button', { 'data-test': 'pick-notice', onClick: () => emit('select', 4) }, 'pick')]
        )
    }
  })
}))

const HOUR = 3_600_000
const NOW = T0 + 2 * HOUR
let pinia: Pinia
let client: FakeClient
let wrapper: VueWrapper | null = null

async function mountTimeline(): Promise<VueWrapper> {
  wrapper = mount(TimelineView, {
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
    attachTo: document.body
  })
  await flush()
  return wrapper
}

describe('TimelineView', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']
    })
    vi.setSystemTime(NOW)
    pinia = createPinia()
    setActivePinia(pinia)
    useStatusStore().setStatus({ ...STATUS, now: NOW }, NOW)
    client = fakeClient()
    client.events.mockResolvedValue(scenario())
    client.fleetAt.mockResolvedValue([
      managed('a', { state: 'draining', noticeDeadline: T0 + 62 * MIN }),
      managed('b', { market: 'ondemand' })
    ])
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    document.body.innerHTML = ''
    vi.useRealTimers()
  })

  it('by default loads all data and fits the window to it', async () => {
    const w = await mountTimeline()
    expect(client.events).toHaveBeenCalledWith({
      from: NOW - FIT_LOOKBACK_MS,
      to: NOW,
      limit: 100_000
    })
    const chart = w.find('[data-test="chart"]')
    expect(chart.attributes('data-count')).toBe('8')
    // from a little before the first event (T0), not 30 days back
    expect(Number(chart.attributes('data-from'))).toBe(Math.floor(NOW - 2 * HOUR * 1.03))
    expect(w.text()).toContain('8 events')
    expect(w.text()).toContain('2 lanes')
  })

  it('switches the window with the shared picker, in sandbox time', async () => {
    const w = await mountTimeline()
    await w.find('[data-range="1h"]').trigger('click')
    await flush()
    // one sandbox hour at ×360 is 10 s of wall time
    expect(client.events).toHaveBeenLastCalledWith({ from: NOW - 10_000, to: NOW, limit: 100_000 })
    expect(w.find('[data-range="1h"]').attributes('aria-pressed')).toBe('true')
    expect(useTimeRangeStore().choice).toBe('1h')
  })

  it('reads times on the sandbox clock: the chart gets the formatter, the list and window use it', async () => {
    const w = await mountTimeline()
    const format = w.findComponent({ name: 'TimelineChart' }).props('formatTime') as (
      ms: number,
      withDate: boolean
    ) => string
    // the engine started an hour of wall time before T0: 360 sandbox hours
    expect(format(T0, false)).toBe('+15d 00h')
    expect(w.find('[data-test="window-text"]').text()).toContain('→ +45d 00h')
  })

  it('shows a clicked event in the details panel in words, not JSON', async () => {
    const w = await mountTimeline()
    expect(w.find('[data-test="event-details"]').text()).toContain('Pick an event')
    await w.find('[data-test="pick-notice"]').trigger('click')
    const details = w.find('[data-test="event-details"]')
    expect(details.find('[data-test="detail-kind"]').text()).toBe('Interruption notice')
    expect(details.find('[data-test="detail-subject"]').text()).toBe('node-a (a)')
    expect(details.findAll('[data-test="detail-row"]').map((r) => r.text())).toEqual([
      '+30d 12h',
      'sandbox'
    ])
    expect(details.text()).not.toContain('{')
    expect(details.find('[data-test="detail-time"]').attributes('title')).toMatch(/UTC$/)
    // the list shows it chosen
    expect(w.find('#timeline-event-4').attributes('aria-selected')).toBe('true')
  })

  it('walks the event list with the keyboard: arrows move, Enter shows, Escape clears', async () => {
    const w = await mountTimeline()
    const list = w.find('[data-test="event-list"]')
    const items = list.findAll('[role="option"]')
    // newest first: terminate (8), drain-end (7), drain-start (6), notice (5) ...
    expect(items.map((i) => i.attributes('data-kind')).slice(0, 4)).toEqual([
      'terminate',
      'drain-end',
      'drain-start',
      'notice'
    ])
    expect(list.attributes('tabindex')).toBe('0')
    expect(list.attributes('aria-activedescendant')).toBe('timeline-event-7')
    await list.trigger('keydown', { key: 'ArrowDown' })
    await list.trigger('keydown', { key: 'ArrowDown' })
    await list.trigger('keydown', { key: 'ArrowDown' })
    expect(list.attributes('aria-activedescendant')).toBe('timeline-event-4')
    expect(w.find('[data-test="detail-kind"]').exists()).toBe(false)
    await list.trigger('keydown', { key: 'Enter' })
    expect(w.find('[data-test="detail-kind"]').text()).toBe('Interruption notice')
    await list.trigger('keydown', { key: 'End' })
    expect(list.attributes('aria-activedescendant')).toBe('timeline-event-0')
    await list.trigger('keydown', { key: 'Enter' })
    expect(w.find('[data-test="detail-kind"]').text()).toBe('Launch')
    expect(w.find('[data-test="event-details"]').text()).toContain('g5.xlarge')
    await list.trigger('keydown', { key: 'Escape' })
    expect(w.find('[data-test="detail-kind"]').exists()).toBe(false)
  })

  it('scrubs: shows the fleet as it was at the chosen instant', async () => {
    const w = await mountTimeline()
    vi.advanceTimersByTime(200)
    await flush()
    expect(client.fleetAt).toHaveBeenLastCalledWith({ at: NOW })
    const table = w.find('[data-test="scrub-table"]')
    expect(table.findAll('tbody tr')).toHaveLength(2)
    expect(table.text()).toContain('draining')
    const scrubber = w.find('[data-test="scrubber"]')
    ;(scrubber.element as HTMLInputElement).value = String(T0 + HOUR)
    await scrubber.trigger('input')
    vi.advanceTimersByTime(200)
    await flush()
    expect(client.fleetAt).toHaveBeenLastCalledWith({ at: T0 + HOUR })
    expect(w.find('[data-test="chart"]').attributes('data-cursor')).toBe(String(T0 + HOUR))
  })

  it('reloads after live events when following', async () => {
    await mountTimeline()
    expect(client.events).toHaveBeenCalledTimes(1)
    useEventsStore().append({ at: NOW, kind: 'launch', instanceId: 'c' })
    await flush()
    vi.advanceTimersByTime(3500)
    await flush()
    expect(client.events).toHaveBeenCalledTimes(2)
  })

  it('does not redraw the chart when a live fleet update changes no name', async () => {
    const fleet = useFleetStore()
    fleet.replace([instanceView('a', { name: 'gpu-a' })])
    const w = await mountTimeline()
    const chart = () => w.findComponent({ name: 'TimelineChart' })
    const before = chart().props('names')
    expect(before).toEqual({ a: 'gpu-a' })
    fleet.replace([instanceView('a', { name: 'gpu-a', costSoFar: 9, load: 7 })])
    await flush()
    expect(chart().props('names')).toBe(before)
    fleet.replace([instanceView('a', { name: 'renamed' })])
    await flush()
    expect(chart().props('names')).toEqual({ a: 'renamed' })
  })

  it('shows an empty state, and errors in a toast', async () => {
    client.events.mockResolvedValueOnce([])
    const w = await mountTimeline()
    expect(w.text()).toContain('No events in this window')
    client.events.mockRejectedValueOnce(new ClientError('failed', 'history is not open'))
    await w.find('[data-test="refresh"]').trigger('click')
    await flush()
    expect(useNotificationsStore().toasts[0]).toMatchObject({
      kind: 'error',
      message: 'history is not open'
    })
  })
})
