// A small hand-built fleet history shared by the fleet, replay and trace tests.
import type { FleetEvent } from '../../src/shared/fleet'
import { MIN, T0, instance } from './history-fixtures'

export const A = instance('a', { zone: 'us-east-1a', launchedAt: T0 })
export const B = instance('b', {
  zone: 'us-east-1b',
  market: 'ondemand',
  onDemandPricePerHour: 2,
  launchedAt: T0 + 10 * MIN
})
export const C = instance('c', { zone: 'us-east-1a', state: 'running', launchedAt: T0 + 30 * MIN })
export const D = instance('d', { zone: 'us-east-1c', launchedAt: T0 + 4 * MIN })

/**
 * a: spot us-east-1a, launch 0, running 2, notice 60 (deadline 62), terminate 62
 * d: spot us-east-1c, launch 4, launch-failed 5
 * b: on-demand us-east-1b, launch 10, running 12, never ends
 * c: spot us-east-1a, launched already running at 30, terminate 90
 */
export const SCENARIO: FleetEvent[] = [
  { at: T0, kind: 'launch', instanceId: 'a', data: { instance: A } },
  { at: T0 + 2 * MIN, kind: 'running', instanceId: 'a' },
  { at: T0 + 4 * MIN, kind: 'launch', data: { instance: D } },
  {
    at: T0 + 5 * MIN,
    kind: 'launch-failed',
    instanceId: 'd',
    data: { reason: 'InsufficientInstanceCapacity' }
  },
  { at: T0 + 10 * MIN, kind: 'launch', instanceId: 'b', data: { instance: B } },
  { at: T0 + 12 * MIN, kind: 'running', instanceId: 'b' },
  { at: T0 + 30 * MIN, kind: 'launch', instanceId: 'c', data: { instance: C } },
  {
    at: T0 + 60 * MIN,
    kind: 'notice',
    instanceId: 'a',
    data: { deadline: T0 + 62 * MIN, source: 'sandbox' }
  },
  { at: T0 + 62 * MIN, kind: 'terminate', instanceId: 'a' },
  { at: T0 + 90 * MIN, kind: 'terminate', instanceId: 'c' }
]
