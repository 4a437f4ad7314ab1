import { describe, expect, it } from 'vitest'
import type { FleetEvent } from '@shared/fleet'
import {
  ReplayCursor,
  applyReplayEvent,
  foldFleet,
  sortEvents,
  upperBound,
  type ReplayFleet
} from './replay'
import { MIN, T0, managed, scenario } from '../../../../test/support/renderer/fake-client'

const ids = (list: { id: string }[]): string[] => list.map((i) => i.id)

describe('foldFleet', () => {
  it('launch adds an instance (pending unless the snapshot says running)', () => {
    const fleet = foldFleet([], scenario(), T0)
    expect(ids(fleet)).toEqual(['a'])
    expect(fleet[0].state).toBe('pending')
    expect(fleet[0].launchedAt).toBe(T0)
    expect(fleet[0].instanceType).toBe('g5.xlarge')
  })

  it('running, notice -> draining with the deadline, terminate removes', () => {
    const events = scenario()
    expect(foldFleet([], events, T0 + 30 * MIN).map((i) => [i.id, i.state])).toEqual([
      ['a', 'running'],
      ['b', 'running']
    ])
    const noticed = foldFleet([], events, T0 + 60 * MIN).find((i) => i.id === 'a')
    expect(noticed?.state).toBe('draining')
    expect(noticed?.noticeDeadline).toBe(T0 + 62 * MIN)
    expect(ids(foldFleet([], events, T0 + 62 * MIN))).toEqual(['b'])
  })

  it('starts from the initial fleet and skips events already folded into it', () => {
    const events = scenario()
    // fleetAt(T0 + 10 min) is inclusive: b's launch at exactly that instant is already in it
    const initial = foldFleet([], events, T0 + 10 * MIN).map((i) =>
      i.id === 'b' ? { ...i, state: 'stopping' as const } : i
    )
    const later = foldFleet(initial, events, T0 + 11 * MIN, T0 + 10 * MIN)
    expect(later.map((i) => [i.id, i.state])).toEqual([
      ['a', 'running'],
      ['b', 'stopping'] // not re-launched
    ])
    expect(
      foldFleet(initial, events, T0 + 90 * MIN, T0 + 10 * MIN).map((i) => [i.id, i.state])
    ).toEqual([['b', 'running']])
  })

  it('does not mutate the initial fleet', () => {
    const initial = [managed('x')]
    foldFleet(
      initial,
      [{ at: T0, kind: 'notice', instanceId: 'x', data: { deadline: T0 + 1000 } }],
      T0
    )
    expect(initial[0].state).toBe('running')
    expect(initial[0].noticeDeadline).toBeUndefined()
  })

  it('launch-failed removes; a launch naming the instance only in its snapshot still lands', () => {
    const events: FleetEvent[] = [
      { at: T0, kind: 'launch', data: { instance: managed('d', { state: 'pending' }) } },
      { at: T0 + 1000, kind: 'launch-failed', instanceId: 'd' },
      {
        at: T0 + 2000,
        kind: 'launch',
        data: managed('e', { state: 'running' }) as unknown as Record<string, unknown>
      }
    ]
    expect(ids(foldFleet([], events, T0))).toEqual(['d'])
    const after = foldFleet([], events, T0 + 5000)
    expect(ids(after)).toEqual(['e'])
    expect(after[0].state).toBe('running')
  })

  it('ignores events about unknown instances and kinds that do not change the fleet', () => {
    const fleet: ReplayFleet = new Map([['a', managed('a')]])
    applyReplayEvent(fleet, { at: T0, kind: 'notice', instanceId: 'ghost' })
    applyReplayEvent(fleet, { at: T0, kind: 'checkpoint', instanceId: 'a' })
    applyReplayEvent(fleet, { at: T0, kind: 'budget-blocked' })
    expect([...fleet.keys()]).toEqual(['a'])
    expect(fleet.get('a')?.state).toBe('running')
  })

  it('drain-start drains, standby marks a spare, running clears the notice', () => {
    const fleet: ReplayFleet = new Map([['a', managed('a')]])
    applyReplayEvent(fleet, { at: T0, kind: 'standby', instanceId: 'a' })
    expect(fleet.get('a')?.standby).toBe(true)
    applyReplayEvent(fleet, { at: T0, kind: 'drain-start', instanceId: 'a' })
    expect(fleet.get('a')?.state).toBe('draining')
    applyReplayEvent(fleet, { at: T0, kind: 'notice', instanceId: 'a' })
    expect(fleet.get('a')?.noticeDeadline).toBe(T0) // no deadline given: the notice time
    applyReplayEvent(fleet, { at: T0, kind: 'running', instanceId: 'a' })
    expect(fleet.get('a')?.state).toBe('running')
    expect(fleet.get('a')?.noticeDeadline).toBeUndefined()
  })
})

describe('ReplayCursor', () => {
  it('gives the same fleet as foldFleet at every instant, forwards and backwards', () => {
    const events = scenario()
    const shuffled = [...events].reverse()
    const cursor = new ReplayCursor([], shuffled)
    const instants = [
      T0 - 1,
      T0,
      T0 + 5 * MIN,
      T0 + 60 * MIN,
      T0 + 61 * MIN,
      T0 + 90 * MIN,
      T0 + 11 * MIN,
      T0,
      T0 + 62 * MIN
    ]
    for (const t of instants) expect(cursor.seek(t)).toEqual(foldFleet([], events, t))
  })

  it('counts the events at or before an instant', () => {
    const cursor = new ReplayCursor([], scenario())
    expect(cursor.countAt(T0 - 1)).toBe(0)
    expect(cursor.countAt(T0)).toBe(1)
    expect(cursor.countAt(T0 + 62 * MIN)).toBe(8)
  })

  it('sortEvents is stable and upperBound finds the first later event', () => {
    const events: FleetEvent[] = [
      { at: 2, kind: 'running', instanceId: 'b' },
      { at: 1, kind: 'launch', instanceId: 'a' },
      { at: 2, kind: 'running', instanceId: 'a' }
    ]
    const sorted = sortEvents(events)
    expect(sorted.map((e) => e.instanceId)).toEqual(['a', 'b', 'a'])
    expect(upperBound(sorted, 0)).toBe(0)
    expect(upperBound(sorted, 1)).toBe(1)
    expect(upperBound(sorted, 2)).toBe(3)
  })
})
