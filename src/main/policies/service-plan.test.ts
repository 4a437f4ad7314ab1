import { describe, expect, it } from 'vitest'
import { planService, spreadZones, type ReplicaView, type ServiceShape } from './service-plan'

const spec: ServiceShape = {
  name: 'llama',
  replicas: 2,
  standby: 1,
  market: 'spot-with-fallback',
  overProvision: 0
}
const ZONES = ['z-a', 'z-b', 'z-c']
const ctx = {
  zones: ZONES,
  coolingZones: new Set<string>(),
  spotUnavailable: false,
  unansweredNotices: []
}

let seq = 0
function replica(over: Partial<ReplicaView> = {}): ReplicaView {
  seq++
  return {
    id: `i-${seq}`,
    role: 'serving',
    market: 'spot',
    zone: 'z-a',
    state: 'running',
    launchedAt: seq,
    leaving: false,
    ready: true,
    serving: true,
    routed: true,
    fallback: false,
    ...over
  }
}

const kinds = (actions: { kind: string }[]): string[] => actions.map((a) => a.kind)

describe('planService', () => {
  it('launches every replica and spare of a new service, spread over zones', () => {
    const actions = planService(spec, [], ctx)
    expect(kinds(actions)).toEqual(['launch', 'launch', 'launch'])
    expect(actions.map((a) => (a.kind === 'launch' ? a.role : ''))).toEqual([
      'serving',
      'serving',
      'standby'
    ])
    expect(actions.every((a) => a.kind === 'launch' && a.market === 'spot')).toBe(true)
  })

  it('does nothing when the service is as declared', () => {
    const all = [replica(), replica({ zone: 'z-b' }), replica({ role: 'standby', routed: false })]
    expect(planService(spec, all, ctx)).toEqual([])
  })

  it('promotes the ready spare when a serving replica gets a notice, and replaces the spare', () => {
    const noticed = replica({ leaving: true })
    const spare = replica({ role: 'standby', routed: false })
    const actions = planService(spec, [noticed, replica(), spare], {
      ...ctx,
      unansweredNotices: [noticed.id]
    })
    expect(actions[0]).toMatchObject({
      kind: 'promote',
      instanceId: spare.id,
      replaces: noticed.id
    })
    expect(actions[1]).toMatchObject({ kind: 'launch', role: 'standby', market: 'spot' })
    // the promoted spare is ready: it is routed in the same pass
    expect(actions[2]).toMatchObject({ kind: 'register', instanceId: spare.id })
    expect(actions).toHaveLength(3)
  })

  it('replaces a reclaimed spare as a spare, never promoting or launching a serving replica', () => {
    const actions = planService(
      spec,
      [replica(), replica(), replica({ role: 'standby', leaving: true })],
      ctx
    )
    expect(actions).toEqual([expect.objectContaining({ kind: 'launch', role: 'standby' })])
  })

  it('relaunches a replica reclaimed while booting in the same role', () => {
    const actions = planService(
      spec,
      [
        replica(),
        replica({ state: 'pending', leaving: true, ready: false, serving: false }),
        replica({ role: 'standby', routed: false })
      ],
      { ...ctx, unansweredNotices: [] }
    )
    // the spare is promoted into the serving gap, and a new spare launched
    expect(kinds(actions)).toEqual(['promote', 'launch', 'register'])
  })

  it('starts the model server on running replicas and spares, and routes only ready serving ones', () => {
    const booting = replica({ state: 'pending', serving: false, ready: false, routed: false })
    const loaded = replica({ ready: false, routed: false, serving: false })
    const readyUnrouted = replica({ routed: false })
    const spare = replica({ role: 'standby', serving: false, ready: false, routed: false })
    const actions = planService(
      { ...spec, replicas: 3 },
      [booting, loaded, readyUnrouted, spare],
      ctx
    )
    expect(actions).toEqual([
      { kind: 'start-serving', instanceId: loaded.id },
      { kind: 'register', instanceId: readyUnrouted.id },
      { kind: 'start-serving', instanceId: spare.id }
    ])
  })

  it('falls back to on demand only while spot is out, and only for the replicas not covered', () => {
    const one = replica()
    const actions = planService(spec, [one], { ...ctx, spotUnavailable: true })
    expect(actions).toEqual([
      expect.objectContaining({
        kind: 'launch',
        role: 'serving',
        market: 'ondemand',
        fallback: true
      })
    ])
  })

  it('retires on-demand fallbacks once enough spot replicas are ready', () => {
    const fallback = replica({ market: 'ondemand', fallback: true })
    const actions = planService(
      spec,
      [replica(), replica(), fallback, replica({ role: 'standby' })],
      ctx
    )
    expect(actions).toEqual([expect.objectContaining({ kind: 'retire', instanceId: fallback.id })])
  })

  it('keeps a fallback while the spot replica behind it is still booting', () => {
    const fallback = replica({ market: 'ondemand', fallback: true })
    const booting = replica({ state: 'pending', ready: false, serving: false, routed: false })
    const actions = planService(
      spec,
      [replica(), booting, fallback, replica({ role: 'standby' })],
      ctx
    )
    expect(actions).toEqual([])
  })

  it('retires surplus replicas and spares after the spec shrinks, newest first', () => {
    const old = replica()
    const newer = replica()
    const spare1 = replica({ role: 'standby' })
    const spare2 = replica({ role: 'standby' })
    const actions = planService(
      { ...spec, replicas: 1, standby: 0 },
      [old, newer, spare1, spare2],
      ctx
    )
    expect(actions.map((a) => (a.kind === 'retire' ? a.instanceId : a.kind))).toEqual([
      newer.id,
      spare2.id,
      spare1.id
    ])
  })

  it('an on-demand service launches on demand and keeps no spares', () => {
    const actions = planService({ ...spec, market: 'ondemand' }, [], ctx)
    expect(actions).toEqual([
      expect.objectContaining({ kind: 'launch', market: 'ondemand', role: 'serving' }),
      expect.objectContaining({ kind: 'launch', market: 'ondemand', role: 'serving' })
    ])
  })

  it('over-provisions extra spot replicas when asked', () => {
    const actions = planService(
      { ...spec, overProvision: 1, standby: 0 },
      [replica(), replica()],
      ctx
    )
    expect(actions).toEqual([
      expect.objectContaining({ kind: 'launch', role: 'serving', market: 'spot' })
    ])
  })

  it('links each replacement to the oldest unanswered notice', () => {
    const actions = planService({ ...spec, standby: 0 }, [], {
      ...ctx,
      unansweredNotices: ['i-old', 'i-new']
    })
    expect(actions.map((a) => (a.kind === 'launch' ? a.replaces : undefined))).toEqual([
      'i-old',
      'i-new'
    ])
  })
})

describe('a new spec (another model)', () => {
  it('launches new replicas beside the old, which serve until the new are ready, then retires them', () => {
    const old1 = replica({ outdated: true })
    const old2 = replica({ outdated: true })
    const oldSpare = replica({ role: 'standby', routed: false, outdated: true })
    const first = planService(spec, [old1, old2, oldSpare], ctx)
    expect(first.filter((a) => a.kind === 'launch')).toHaveLength(3)
    expect(
      first.filter((a) => a.kind === 'retire').map((a) => 'instanceId' in a && a.instanceId)
    ).toEqual([oldSpare.id])
    const fresh = [replica(), replica(), replica({ role: 'standby', routed: false })]
    const later = planService(spec, [old1, old2, ...fresh], ctx)
    expect(later.map((a) => (a.kind === 'retire' ? a.instanceId : a.kind))).toEqual([
      old1.id,
      old2.id
    ])
  })
})

describe('spreadZones', () => {
  it('prefers zones with fewer replicas and avoids zones cooling down after a reclaim', () => {
    const replicas = [replica({ zone: 'z-a' }), replica({ zone: 'z-a' }), replica({ zone: 'z-b' })]
    expect(spreadZones(ZONES, replicas, new Set())).toEqual(['z-c', 'z-b', 'z-a'])
    expect(spreadZones(ZONES, replicas, new Set(['z-c']))).toEqual(['z-b', 'z-a', 'z-c'])
  })
})

describe('zones in turn', () => {
  it("'in-turn' gives each launch of a pass the zones rotated one further, ignoring counts and cooling", () => {
    const actions = planService({ ...spec, standby: 0, replicas: 3 }, [replica({ zone: 'z-a' })], {
      ...ctx,
      coolingZones: new Set(['z-a']),
      zoneChoice: 'in-turn'
    })
    expect(actions.map((a) => (a.kind === 'launch' ? a.zones : []))).toEqual([
      ['z-a', 'z-b', 'z-c'],
      ['z-b', 'z-c', 'z-a']
    ])
  })
})
