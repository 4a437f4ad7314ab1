import { describe, expect, it } from 'vitest'
import { quietPlanContext, replicaFactory } from '../../../test/support/replica-views'
import { planPlacement, placementShape } from './service-placements'
import type { ServiceAction, ServiceShape } from './service-plan'

const spec: ServiceShape = {
  name: 'svc',
  replicas: 2,
  standby: 0,
  market: 'spot-with-fallback',
  overProvision: 1
}
const ctx = quietPlanContext()
const replica = replicaFactory()

type Launch = Extract<ServiceAction, { kind: 'launch' }>
const launchesOf = (actions: ServiceAction[]): Launch[] =>
  actions.filter((a): a is Launch => a.kind === 'launch')

describe('service placements over the one service plan', () => {
  it('spothedge avoids a zone cooling down after a reclaim; even-spread does not', () => {
    const cooling = { ...ctx, coolingZones: new Set(['z-a']) }
    const hedge = launchesOf(planPlacement('spothedge', { ...spec, overProvision: 0 }, [], cooling))
    expect(hedge.map((a) => a.zones[0])).toEqual(['z-b', 'z-c'])
    const even = launchesOf(planPlacement('even-spread', spec, [], cooling))
    expect(even.map((a) => a.zones[0])).toEqual(['z-a', 'z-b'])
  })

  it('spothedge over-provisions spot replicas; the baselines and on-demand keep exactly the replicas', () => {
    expect(launchesOf(planPlacement('spothedge', spec, [], ctx))).toHaveLength(3)
    for (const p of ['even-spread', 'round-robin', 'ondemand'] as const)
      expect(launchesOf(planPlacement(p, spec, [], ctx))).toHaveLength(2)
  })

  it('round-robin starts at its turn and takes the zones in order within a pass', () => {
    const actions = launchesOf(planPlacement('round-robin', { ...spec, replicas: 3 }, [], ctx, 2))
    expect(actions.map((a) => a.zones)).toEqual([
      ['z-c', 'z-a', 'z-b'],
      ['z-a', 'z-b', 'z-c'],
      ['z-b', 'z-c', 'z-a']
    ])
    // blind to the replicas already placed: even-spread would go to z-b and z-c here
    const placed = [replica({ zone: 'z-a' })]
    expect(
      launchesOf(planPlacement('round-robin', spec, placed, ctx, 0)).map((a) => a.zones[0])
    ).toEqual(['z-a'])
    expect(
      launchesOf(planPlacement('even-spread', spec, placed, ctx, 0)).map((a) => a.zones[0])
    ).toEqual(['z-b'])
  })

  it('only spothedge falls back to on demand while spot is out, and drops the fallback once spot is ready', () => {
    const out = { ...ctx, spotUnavailable: true }
    const hedge = launchesOf(planPlacement('spothedge', spec, [], out))
    expect(hedge.map((a) => [a.market, a.fallback])).toEqual([
      ['ondemand', true],
      ['ondemand', true]
    ])
    for (const p of ['even-spread', 'round-robin'] as const)
      expect(planPlacement(p, spec, [], out)).toEqual([])
    // spot back and ready: the fallbacks go
    const fallbacks = [
      replica({ market: 'ondemand', fallback: true }),
      replica({ market: 'ondemand', fallback: true })
    ]
    const booting = replica({ state: 'pending', ready: false, serving: false, routed: false })
    const stillBooting = planPlacement('spothedge', spec, [replica(), booting, ...fallbacks], ctx)
    // one spot replica of the two wanted is not ready: one fallback stays
    expect(stillBooting.filter((a) => a.kind === 'retire')).toHaveLength(1)
    const allReady = planPlacement(
      'spothedge',
      spec,
      [replica(), replica({ zone: 'z-b' }), replica({ zone: 'z-c' }), ...fallbacks],
      ctx
    )
    expect(allReady.filter((a) => a.kind === 'retire')).toHaveLength(2)
  })

  it('ondemand runs every replica on demand with no spares or extras', () => {
    expect(placementShape('ondemand', { ...spec, standby: 2 })).toMatchObject({
      market: 'ondemand',
      overProvision: 0,
      standby: 0
    })
    expect(
      launchesOf(planPlacement('ondemand', spec, [], ctx)).every((a) => a.market === 'ondemand')
    ).toBe(true)
  })
})
