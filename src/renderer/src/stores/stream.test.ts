// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useEventsStore } from './events'
import { useFleetStore } from './fleet'
import { useNotificationsStore } from './notifications'
import { useSimulationsStore } from './simulations'
import { useStatusStore } from './status'
import { connectStream, dispatchStreamEvent } from './stream'
import {
  STATUS,
  T0,
  fakeClient,
  flush,
  instanceView
} from '../../../../test/support/renderer/fake-client'

describe('stream dispatch', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it("'fleet' replaces the instances", () => {
    const fleet = useFleetStore()
    dispatchStreamEvent({ type: 'fleet', instances: [instanceView('a'), instanceView('b')] })
    expect(fleet.instances.map((i) => i.id)).toEqual(['a', 'b'])
    dispatchStreamEvent({ type: 'fleet', instances: [instanceView('c')] })
    expect(fleet.instances.map((i) => i.id)).toEqual(['c'])
    expect(fleet.loaded).toBe(true)
  })

  it("'event' appends to the events store", () => {
    const events = useEventsStore()
    dispatchStreamEvent({ type: 'event', event: { at: T0, kind: 'launch', instanceId: 'a' } })
    dispatchStreamEvent({ type: 'event', event: { at: T0 + 1, kind: 'running', instanceId: 'a' } })
    expect(events.items.map((e) => e.kind)).toEqual(['launch', 'running'])
    expect(events.received).toBe(2)
  })

  it("'status' updates the status and the engine clock, and marks the connection live", () => {
    const status = useStatusStore()
    expect(status.connection).toBe('connecting')
    dispatchStreamEvent({ type: 'status', status: { ...STATUS, message: 'all good' } })
    expect(status.message).toBe('all good')
    expect(status.mode).toBe('sandbox')
    expect(status.connection).toBe('live')
    expect(Math.abs(status.engineNow() - STATUS.now)).toBeLessThan(1000)
  })

  it("'simulation' is kept by job id for the What-if view", () => {
    const sims = useSimulationsStore()
    dispatchStreamEvent({
      type: 'simulation',
      status: { jobId: 'j1', state: 'running', done: 1, total: 4 }
    })
    dispatchStreamEvent({
      type: 'simulation',
      status: { jobId: 'j1', state: 'done', done: 4, total: 4 }
    })
    dispatchStreamEvent({
      type: 'simulation',
      status: { jobId: 'j2', state: 'running', done: 0, total: 2 }
    })
    expect(Object.keys(sims.jobs)).toEqual(['j1', 'j2'])
    expect(sims.jobs.j1.state).toBe('done')
  })

  it('a notice becomes a toast naming the instance (outside Electron)', async () => {
    const fleet = useFleetStore()
    fleet.replace([instanceView('i-0abc', { name: 'gpu-1' })])
    dispatchStreamEvent({
      type: 'event',
      event: { at: T0, kind: 'notice', instanceId: 'i-0abc', data: { deadline: T0 + 120_000 } }
    })
    await flush()
    const toasts = useNotificationsStore().toasts
    expect(toasts).toHaveLength(1)
    expect(toasts[0].title).toContain('gpu-1 (i-0abc)')
    expect(toasts[0].message).toMatch(/reclaimed at/)
  })

  it('ignores unknown stream types from a newer engine', () => {
    expect(() => dispatchStreamEvent({ type: 'mystery' } as never)).not.toThrow()
  })

  it('connectStream subscribes once and dispatches; the returned function unsubscribes', () => {
    const client = fakeClient()
    const stop = connectStream(client)
    expect(client.subscribe).toHaveBeenCalledTimes(1)
    client.emit({ type: 'fleet', instances: [instanceView('z')] })
    expect(useFleetStore().instances.map((i) => i.id)).toEqual(['z'])
    stop()
    client.emit({ type: 'fleet', instances: [] })
    expect(useFleetStore().instances).toHaveLength(1)
  })
})
