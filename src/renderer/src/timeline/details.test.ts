import { describe, expect, it } from 'vitest'
import type { FleetEvent } from '@shared/fleet'
import { eventDetails, eventLine, namesFrom } from './details'

const T0 = Date.UTC(2025, 2, 4, 12)
const SANDBOX = { origin: T0, speed: 360 }
const S = 1000

const EVENTS: FleetEvent[] = [
  {
    at: T0,
    kind: 'launch',
    instanceId: 'i-a',
    data: {
      instance: {
        id: 'i-a',
        name: 'llama-1',
        instanceType: 'g5.xlarge',
        market: 'spot',
        zone: 'sandbox-1a',
        pricePerHour: 0.3512,
        tags: { a: 'b' }
      },
      by: 'controller'
    }
  },
  {
    at: T0 + 5 * S,
    kind: 'launch',
    instanceId: 'i-b',
    data: { instance: { id: 'i-b', name: 'llama-2' } }
  },
  {
    at: T0 + 10 * S,
    kind: 'notice',
    instanceId: 'i-a',
    data: { deadline: T0 + 10 * S + 333, source: 'sandbox' }
  },
  {
    at: T0 + 10 * S,
    kind: 'failover-phase',
    instanceId: 'i-a',
    data: { phase: 'noticed', workload: 'llama' }
  },
  {
    at: T0 + 12 * S,
    kind: 'failover-phase',
    instanceId: 'i-a',
    data: { phase: 'replacement-chosen', replacement: 'i-b' }
  },
  { at: T0 + 20 * S, kind: 'failover-phase', instanceId: 'i-a', data: { phase: 'routed' } },
  {
    at: T0 + 21 * S,
    kind: 'failover-end',
    instanceId: 'i-a',
    data: { outcome: 'ok', workload: 'llama', replacement: 'i-b' }
  }
]

describe('event details', () => {
  const names = namesFrom(EVENTS, { 'i-c': 'spare' })

  it('names instances from launch snapshots and the live fleet', () => {
    expect(names).toEqual({ 'i-a': 'llama-1', 'i-b': 'llama-2', 'i-c': 'spare' })
    expect(eventLine(EVENTS[3], names)).toBe('Failover phase noticed · llama-1')
  })

  it('formats a launch as fields: type, market, zone, price; no raw JSON', () => {
    const d = eventDetails(EVENTS, 0, names, SANDBOX)
    expect(d.kind).toBe('Launch')
    expect(d.subject).toBe('llama-1 (i-a)')
    expect(d.time).toBe('+0s')
    expect(d.rows).toEqual([
      { label: 'Type', value: 'g5.xlarge' },
      { label: 'Market', value: 'spot' },
      { label: 'Zone', value: 'sandbox-1a' },
      { label: 'Price', value: '$0.35/h' },
      { label: 'By', value: 'controller' }
    ])
  })

  it('reads times on the sandbox clock', () => {
    const d = eventDetails(EVENTS, 2, names, SANDBOX)
    expect(d.time).toBe('+1h 00m')
    expect(d.rows).toContainEqual({ label: 'Reclaim at', value: '+1h 01m' })
  })

  it('lists a failover’s phases with how long each took, and names the replacement', () => {
    const d = eventDetails(EVENTS, 6, names, SANDBOX)
    expect(d.rows).toContainEqual({ label: 'Replacement', value: 'llama-2 (i-b)' })
    expect(d.phases).toEqual([
      { phase: 'noticed', at: '+1h 00m', took: '0s' },
      { phase: 'replacement-chosen', at: '+1h 12m', took: '12m 00s' },
      { phase: 'routed', at: '+2h 00m', took: '48m 00s' },
      { phase: 'done', at: '+2h 06m', took: '6m 00s' }
    ])
  })
})
