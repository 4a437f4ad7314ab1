// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ClientError } from '@renderer/api/client'
import { MAX_TOASTS, describeFleetEvent, useNotificationsStore } from './notifications'
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

  it('uses a desktop notification inside Electron when permitted', async () => {
    ;(window as { synkti?: unknown }).synkti = { invoke: vi.fn(), subscribe: vi.fn() }
    const store = useNotificationsStore()
    expect(await store.notifyFleetEvent(failoverEnd)).toBe('desktop')
    expect(FakeNotification.shown).toEqual([
      {
        title: 'Failover finished: i-1',
        body: 'Failover of i-1 finished: recovered, traffic moved to i-2, in 41.5 s.'
      }
    ])
    expect(store.toasts).toHaveLength(0)
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

  it('only notices and finished failovers notify', async () => {
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
