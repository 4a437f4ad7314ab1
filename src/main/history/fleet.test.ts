import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FleetEvent, ManagedInstance } from '../../shared/fleet'
import { applyFleetEvent, type Fleet } from './fleet-state'
import { openHistory } from './history'
import { SCENARIO } from '../../../test/support/history-scenario'
import { MIN, T0 } from '../../../test/support/history-fixtures'
import type { History } from './types'

const at = (m: number): number => T0 + m * MIN
const states = (fleet: ManagedInstance[]): string[] =>
  fleet.map(
    (i) =>
      `${i.id}:${i.state}${i.noticeDeadline !== undefined ? `@${(i.noticeDeadline - T0) / MIN}` : ''}`
  )

describe('event log, fleetAt and replay', () => {
  let h: History
  beforeEach(() => {
    h = openHistory(':memory:')
    h.recordEvents(SCENARIO)
  })
  afterEach(() => h.close())

  it('rebuilds the fleet at several instants', () => {
    expect(states(h.fleetAt(at(-1)))).toEqual([])
    expect(states(h.fleetAt(at(0)))).toEqual(['a:pending'])
    expect(states(h.fleetAt(at(2)))).toEqual(['a:running'])
    expect(states(h.fleetAt(at(4.5)))).toEqual(['a:running', 'd:pending'])
    expect(states(h.fleetAt(at(5)))).toEqual(['a:running'])
    expect(states(h.fleetAt(at(11)))).toEqual(['a:running', 'b:pending'])
    expect(states(h.fleetAt(at(45)))).toEqual(['a:running', 'b:running', 'c:running'])
    expect(states(h.fleetAt(at(61)))).toEqual(['a:draining@62', 'b:running', 'c:running'])
    expect(states(h.fleetAt(at(62)))).toEqual(['b:running', 'c:running'])
    expect(states(h.fleetAt(at(1000)))).toEqual(['b:running'])
  })

  it('rebuilds full instances, priced as at the instant', () => {
    h.recordSpotPrices([
      {
        at: at(0),
        region: 'us-east-1',
        zone: 'us-east-1a',
        instanceType: 'g5.xlarge',
        price: 0.31
      },
      {
        at: at(40),
        region: 'us-east-1',
        zone: 'us-east-1a',
        instanceType: 'g5.xlarge',
        price: 0.35
      }
    ])
    const fleet = h.fleetAt(at(45))
    expect(fleet[0]).toMatchObject({
      id: 'a',
      zone: 'us-east-1a',
      market: 'spot',
      launchedAt: at(0),
      pricePerHour: 0.35,
      tags: { fleet: 'test' }
    })
    expect(fleet[1]).toMatchObject({ id: 'b', market: 'ondemand', pricePerHour: 2 })
    expect(h.fleetAt(at(20))[0].pricePerHour).toBe(0.31)
    // the ledger, when there is one, is the price actually paid
    h.accrue('a', at(0), at(60), 0.29, 1)
    expect(h.fleetAt(at(45))[0].pricePerHour).toBe(0.29)
  })

  it('keeps the instances table in step with launches and terminations', () => {
    expect(h.getInstance('a')).toMatchObject({
      id: 'a',
      zone: 'us-east-1a',
      launchedAt: at(0),
      terminatedAt: at(62)
    })
    expect(h.getInstance('b')?.terminatedAt).toBeUndefined()
    h.markTerminated('b', at(500))
    expect(h.getInstance('b')?.terminatedAt).toBe(at(500))
    expect(() => h.markTerminated('zz', at(1))).toThrow(/unknown instance zz/)
    expect(h.stats()).toMatchObject({ events: 10, instances: 4 })
  })

  it('returns the events of half-open windows, filtered', () => {
    const kinds = (es: FleetEvent[]): string[] => es.map((e) => `${e.instanceId}:${e.kind}`)
    expect(kinds(h.eventsBetween(at(0), at(2)))).toEqual(['a:launch'])
    expect(kinds(h.eventsBetween(at(2), at(12)))).toEqual([
      'a:running',
      'd:launch',
      'd:launch-failed',
      'b:launch'
    ])
    expect(kinds(h.eventsBetween(at(0), at(100), { kinds: ['terminate'] }))).toEqual([
      'a:terminate',
      'c:terminate'
    ])
    expect(kinds(h.eventsBetween(at(0), at(100), { instanceId: 'a' }))).toEqual([
      'a:launch',
      'a:running',
      'a:notice',
      'a:terminate'
    ])
    expect(
      kinds(h.eventsBetween(at(0), at(100), { instanceId: 'a', kinds: ['notice', 'running'] }))
    ).toEqual(['a:running', 'a:notice'])
    expect(kinds(h.eventsBetween(at(0), at(100), { limit: 3 }))).toEqual([
      'a:launch',
      'a:running',
      'd:launch'
    ])
    expect(h.eventsBetween(at(200), at(300))).toEqual([])
    const [notice] = h.eventsBetween(at(60), at(61))
    expect(notice).toEqual({
      id: 8,
      at: at(60),
      kind: 'notice',
      instanceId: 'a',
      data: { deadline: at(62), source: 'sandbox' }
    })
  })

  it('counts events per instance and bucket for a timeline', () => {
    const rows = h.timeline(at(0), at(100), 30 * MIN).filter((r) => r.instanceId === 'a')
    expect(rows.map((r) => [(r.at - T0) / MIN, r.kind, r.count])).toEqual([
      [0, 'launch', 1],
      [0, 'running', 1],
      [60, 'notice', 1],
      [60, 'terminate', 1]
    ])
  })

  it('replays: the state before the window plus its events, folding to fleetAt', () => {
    const r = h.replay(at(30), at(62))
    expect(states(r.initial)).toEqual(['a:running', 'b:running'])
    expect(r.events.map((e) => e.kind)).toEqual(['launch', 'notice'])
    const fleet: Fleet = new Map(r.initial.map((i) => [i.id, i]))
    for (const e of r.events) applyFleetEvent(fleet, e)
    expect(states([...fleet.values()])).toEqual(states(h.fleetAt(at(61))))
  })

  it('rejects unknown kinds and non-finite times, and a bad batch as a whole', () => {
    expect(() => h.recordEvent({ at: T0, kind: 'explode' as never })).toThrow(
      /unknown kind "explode"/
    )
    expect(() => h.recordEvent({ at: NaN, kind: 'launch' })).toThrow(/finite/)
    expect(() => h.recordEvent({ at: Infinity, kind: 'launch' })).toThrow(/finite/)
    expect(() => h.recordEvent({ at: '5' as never, kind: 'launch' })).toThrow(/finite/)
    const bad = [
      { at: T0, kind: 'checkpoint' as const },
      { at: Number.NaN, kind: 'checkpoint' as const }
    ]
    expect(() => h.recordEvents(bad)).toThrow(/event 1 of the batch/)
    expect(h.stats().events).toBe(SCENARIO.length)
    expect(() => h.eventsBetween(at(10), at(0))).toThrow(/before it starts/)
  })

  it('returns recorded ids and spot prices by window and filter, deduplicated', () => {
    const id = h.recordEvent({ at: at(200), kind: 'budget-blocked', data: { needed: 3 } })
    expect(id).toBe(SCENARIO.length + 1)
    const p = {
      at: at(0),
      region: 'us-east-1',
      zone: 'us-east-1a',
      instanceType: 'g5.xlarge',
      price: 0.31
    }
    h.recordSpotPrices([
      p,
      p,
      { ...p, zone: 'us-east-1b', price: 0.4 },
      { ...p, at: at(10), price: 0.33 }
    ])
    expect(h.stats().spotPrices).toBe(3)
    expect(h.spotPrices(at(0), at(20), { zone: 'us-east-1a' }).map((x) => x.price)).toEqual([
      0.31, 0.33
    ])
    expect(h.spotPrices(at(0), at(10))).toHaveLength(2)
    expect(h.spotPrices(at(0), at(20), { instanceType: 'p3.2xlarge' })).toEqual([])
  })
})
