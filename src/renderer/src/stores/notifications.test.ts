// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ClientError } from '@renderer/api/client'
import {
  FAILOVER_DONE_MS,
  FAILOVER_QUIET_MS,
  MAX_TOASTS,
  describeFleetEvent,
  useNotificationsStore
} from './notifications'
import { T0 } from '../../../../test/support/renderer/fake-client'

class FakeNotification {
  static permission: NotificationPermission = 'granted'
  static requestPermission = vi.fn(async () => FakeNotification.permission)
  static shown: { title: string; body?: string }[] = []
  constructor(title: string, options?: { body?: string }) {
    FakeNotification.shown.push({ title, body: options?.body })
  }
}

const notice = {
  at: T0,
  kind: 'notice' as const,
  instanceId: 'i-1',
  data: { deadline: T0 + 120_000 }
}
const failoverEnd = {
  at: T0,
  kind: 'failover-end' as const,
  instanceId: 'i-1',
  data: { outcome: 'recovered', replacementId: 'i-2', durationMs: 41_500 }
}

describe('notifications', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    FakeNotification.shown = []
    FakeNotification.permission = 'granted'
    vi.stubGlobal('Notification', FakeNotification)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    delete (window as { synkti?: unknown }).synkti
  })

  it('falls back to an in-page toast outside Electron, even with Notification available', async () => {
    const store = useNotificationsStore()
    expect(await store.notifyFleetEvent(notice)).toBe('toast')
    expect(FakeNotification.shown).toHaveLength(0)
    expect(store.toasts).toHaveLength(1)
    expect(store.toasts[0]).toMatchObject({ kind: 'warning' })
    expect(store.toasts[0].title).toContain('i-1')
  })

  it('uses a desktop notification inside Electron when permitted, and keeps the one toast', async () => {
    ;(window as { synkti?: unknown }).synkti = { invoke: vi.fn(), subscribe: vi.fn() }
    const store = useNotificationsStore()
    expect(await store.notifyFleetEvent(failoverEnd)).toBe('desktop')
    expect(FakeNotification.shown).toEqual([
      {
        title: 'Failover finished: i-1',
        body: 'Failover of i-1 finished: recovered, traffic moved to i-2, in 41.5 s.'
      }
    ])
    // the in-page toast is the failover's one toast either way
    expect(store.toasts).toHaveLength(1)
  })

  it('shows a notice and its failover as one toast that each phase updates, gone once done', async () => {
    vi.useFakeTimers()
    const store = useNotificationsStore()
    const label = (id: string | undefined) => (id === 'i-2' ? 'llama-2' : 'llama-1')
    await store.notifyFleetEvent(notice, label)
    expect(store.toasts).toHaveLength(1)
    expect(store.toasts[0]).toMatchObject({ kind: 'warning', title: 'Reclaim notice: llama-1' })
    const phase = (p: string, data: Record<string, unknown> = {}) =>
      store.notifyFleetEvent(
        { at: T0, kind: 'failover-phase', instanceId: 'i-1', data: { phase: p, ...data } },
        label
      )
    await phase('noticed')
    await phase('draining')
    await phase('replacement-chosen', { replacement: 'i-2' })
    await phase('replacement-ready')
    await phase('routed')
    expect(store.toasts).toHaveLength(1)
    expect(store.toasts[0].title).toBe('Failover: llama-1')
    expect(store.toasts[0].message).toBe('routed')
    expect(store.toasts[0].steps).toEqual([
      'noticed',
      'draining',
      'replacement-chosen',
      'replacement-ready',
      'routed'
    ])
    await store.notifyFleetEvent(
      {
        at: T0,
        kind: 'failover-end',
        instanceId: 'i-1',
        data: { outcome: 'ok', replacement: 'i-2' }
      },
      label
    )
    expect(store.toasts).toHaveLength(1)
    expect(store.toasts[0]).toMatchObject({ kind: 'success', title: 'Failover done: llama-1' })
    expect(store.toasts[0].steps?.at(-1)).toBe('done')
    // one entry in the history, carrying every phase
    expect(store.history).toHaveLength(1)
    expect(store.history[0].steps).toHaveLength(6)
    vi.advanceTimersByTime(FAILOVER_DONE_MS + 10)
    expect(store.toasts).toHaveLength(0)
    expect(store.history).toHaveLength(1)
    vi.useRealTimers()
  })

  it('a notice with no failover behind it goes away by itself; a failed failover says why', async () => {
    vi.useFakeTimers()
    const store = useNotificationsStore()
    await store.notifyFleetEvent(notice)
    vi.advanceTimersByTime(FAILOVER_QUIET_MS + 10)
    expect(store.toasts).toHaveLength(0)
    await store.notifyFleetEvent({
      at: T0,
      kind: 'failover-end',
      instanceId: 'i-9',
      data: { outcome: 'failed', reason: 'no capacity in any zone' }
    })
    expect(store.toasts[0]).toMatchObject({ kind: 'error', title: 'Failover failed: i-9' })
    expect(store.toasts[0].message).toContain('no capacity in any zone')
    vi.useRealTimers()
  })

  it('keeps a closed failover toast closed through its later phases, in the history still', async () => {
    const store = useNotificationsStore()
    await store.notifyFleetEvent(notice)
    store.close(store.toasts[0].id)
    await store.notifyFleetEvent({
      at: T0,
      kind: 'failover-phase',
      instanceId: 'i-1',
      data: { phase: 'draining' }
    })
    expect(store.toasts).toHaveLength(0)
    expect(store.history).toHaveLength(1)
    expect(store.history[0].steps).toEqual(['noticed', 'draining'])
  })

  it('counts unread notifications until the panel is opened', () => {
    const store = useNotificationsStore()
    store.info('one')
    store.warning('two')
    expect(store.unread).toBe(2)
    expect(store.history.map((h) => h.title)).toEqual(['two', 'one'])
    store.openPanel()
    expect(store.unread).toBe(0)
    store.info('three')
    expect(store.unread).toBe(0)
    store.closePanel()
    store.info('four')
    expect(store.unread).toBe(1)
    store.clearHistory()
    expect(store.history).toEqual([])
  })

  it('asks for permission once when undecided, and toasts when refused', async () => {
    ;(window as { synkti?: unknown }).synkti = { invoke: vi.fn(), subscribe: vi.fn() }
    FakeNotification.permission = 'default'
    FakeNotification.requestPermission.mockResolvedValueOnce('denied')
    const store = useNotificationsStore()
    expect(await store.notifyFleetEvent(notice)).toBe('toast')
    expect(FakeNotification.requestPermission).toHaveBeenCalled()
    expect(store.toasts[0].message).toContain('i-1')
  })

  it('only notices and failovers notify', async () => {
    const store = useNotificationsStore()
    expect(await store.notifyFleetEvent({ at: T0, kind: 'launch', instanceId: 'i-1' })).toBeNull()
    expect(store.toasts).toHaveLength(0)
  })

  it('shows a ClientError message in an error toast, folds duplicates, caps the stack', () => {
    vi.useFakeTimers()
    const store = useNotificationsStore()
    store.error(
      new ClientError('failed', 'InsufficientInstanceCapacity in us-east-1a'),
      'Could not launch'
    )
    store.error(
      new ClientError('failed', 'InsufficientInstanceCapacity in us-east-1a'),
      'Could not launch'
    )
    expect(store.toasts).toHaveLength(1)
    expect(store.toasts[0]).toMatchObject({
      kind: 'error',
      title: 'Could not launch',
      message: 'InsufficientInstanceCapacity in us-east-1a',
      count: 2
    })
    for (let i = 0; i < 10; i++) store.info(`note ${i}`)
    expect(store.toasts).toHaveLength(MAX_TOASTS)
    vi.advanceTimersByTime(60_000)
    expect(store.toasts).toHaveLength(0)
    vi.useRealTimers()
  })

  it('describes a notice with the instance label and deadline', () => {
    const text = describeFleetEvent(notice, (id) => `gpu (${id})`)
    expect(text.title).toBe('Interruption notice: gpu (i-1)')
    expect(text.body).toMatch(/^gpu \(i-1\) will be reclaimed at \d\d:\d\d:\d\d; draining now\.$/)
  })
})
