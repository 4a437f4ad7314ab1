import { describe, expect, it } from 'vitest'
import { PLAN_ZONES, quietPlanContext, replicaFactory } from '../../../test/support/replica-views'
import { planService, spreadZones, type ServiceShape } from './service-plan'

const spec: ServiceShape = {
  name: 'llama',
  replicas: 2,
  standby: 1,
  market: 'spot-with-fallback',
  overProvision: 0
}
const ZONES = PLAN_ZONES
const ctx = quietPlanContext()
const replica = replicaFactory()

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

describe('choosing spares for simultaneous notices (an optimal assignment)', () => {
  const S = 1000
  const NOW = 1_000_000 * S
  const READY_AFTER = 300 * S
  const promotions = (actions: ReturnType<typeof planService>): [string, string | undefined][] =>
    actions.flatMap((a) => (a.kind === 'promote' ? [[a.instanceId, a.replaces]] : []))

  it('gives the readiest spare to the most urgent gap, not to the oldest notice', () => {
    // n1 was noticed first and has 100 s left; n2 vanished without a notice (0 s left, noticed later).
    // Spare s1 is ready; s2 is 200 s into a 300 s boot (ready in 100 s).
    // In order (n1->s1, n2->s2) n2's gap lasts 100 s; crossed (n1->s2, n2->s1) no gap lasts at all:
    // cells n1-s1 0-200=-200, n1-s2 max(0,100-100)-200=-200, n2-s1 0-300=-300, n2-s2 100-300=-200,
    // so crossed totals -500 against -400 in order.
    const n1 = replica({ zone: 'z-c', leaving: true })
    const n2 = replica({ zone: 'z-c', state: 'terminated' })
    const s1 = replica({ role: 'standby', zone: 'z-b', ready: true, launchedAt: NOW - 900 * S })
    const s2 = replica({ role: 'standby', zone: 'z-b', ready: false, launchedAt: NOW - 200 * S })
    const live = [replica(), n1, n2, s1, s2]
    const spec3 = { ...spec, replicas: 3, standby: 0 }
    const base = { ...ctx, unansweredNotices: [n1.id, n2.id] }
    expect(promotions(planService(spec3, live, base))).toEqual([
      [s1.id, n1.id],
      [s2.id, n2.id]
    ])
    const chosen = planService(spec3, live, {
      ...base,
      spareChoice: {
        now: NOW,
        readyAfterMs: READY_AFTER,
        notices: new Map([
          [n1.id, { zone: 'z-c', deadline: NOW + 100 * S }],
          [n2.id, { zone: 'z-c', deadline: NOW }]
        ])
      }
    })
    expect(promotions(chosen).sort()).toEqual([
      [s1.id, n2.id],
      [s2.id, n1.id]
    ])
    // both gaps answered by spares: nothing launched for them
    expect(chosen.some((a) => a.kind === 'launch' && a.role === 'serving')).toBe(false)
  })

  it('promotes the spare away from the zone being reclaimed when there are more spares than gaps', () => {
    // one notice in z-a; two ready spares, the older in z-a. Ready-first-oldest takes the z-a one;
    // the assignment charges it half a launch (150 s) for its zone and takes the z-b one.
    const noticed = replica({ zone: 'z-a', leaving: true })
    const sameZone = replica({ role: 'standby', zone: 'z-a', launchedAt: NOW - 2000 * S })
    const otherZone = replica({ role: 'standby', zone: 'z-b', launchedAt: NOW - 1000 * S })
    const live = [replica({ zone: 'z-b' }), noticed, sameZone, otherZone]
    const spec2 = { ...spec, standby: 2 }
    const base = { ...ctx, unansweredNotices: [noticed.id] }
    expect(promotions(planService(spec2, live, base))).toEqual([[sameZone.id, noticed.id]])
    const chosen = planService(spec2, live, {
      ...base,
      spareChoice: {
        now: NOW,
        readyAfterMs: READY_AFTER,
        notices: new Map([[noticed.id, { zone: 'z-a', deadline: NOW + 120 * S }]])
      }
    })
    expect(promotions(chosen)).toEqual([[otherZone.id, noticed.id]])
  })

  it('leaves the gaps a launch covers best to launches when spares are short', () => {
    // two notices, one ready spare: n-late has 290 s left (a launch is ready 10 s after its
    // deadline), n-soon has 0 s: the spare saves 300 s on n-soon and 10 s on n-late, so it goes
    // to n-soon and n-late gets the launch.
    const late = replica({ zone: 'z-c', leaving: true })
    const soon = replica({ zone: 'z-c', leaving: true })
    const spare = replica({ role: 'standby', zone: 'z-b' })
    const actions = planService(
      { ...spec, replicas: 3, standby: 0 },
      [replica(), late, soon, spare],
      {
        ...ctx,
        unansweredNotices: [late.id, soon.id],
        spareChoice: {
          now: NOW,
          readyAfterMs: READY_AFTER,
          notices: new Map([
            [late.id, { zone: 'z-c', deadline: NOW + 290 * S }],
            [soon.id, { zone: 'z-c', deadline: NOW }]
          ])
        }
      }
    )
    expect(promotions(actions)).toEqual([[spare.id, soon.id]])
    const launches = actions.filter((a) => a.kind === 'launch' && a.role === 'serving')
    expect(launches.map((a) => (a.kind === 'launch' ? a.replaces : ''))).toEqual([late.id])
  })
})

describe('a rebalance recommendation (replica at risk)', () => {
  const retires = (actions: ReturnType<typeof planService>): string[] =>
    actions.flatMap((a) => (a.kind === 'retire' ? [a.instanceId] : []))

  it('with rebalance: wait, changes nothing', () => {
    const live = [replica(), replica({ atRisk: true }), replica({ role: 'standby' })]
    expect(planService(spec, live, ctx)).toEqual([])
  })

  it('with rebalance: replace, promotes a spare at once and retires the at-risk replica only when the replacement serves', () => {
    const shape = { ...spec, replaceAtRisk: true }
    const risky = replica({ atRisk: true })
    const spare = replica({ role: 'standby', ready: true, routed: false })
    const first = planService(shape, [replica(), risky, spare], ctx)
    // the spare is promoted (and routed, it is ready), a spare is launched behind it, the risky
    // replica keeps serving: serving ready among the others is 1 of 2 before the promotion lands
    expect(first.filter((a) => a.kind === 'promote').map((a) => a.instanceId)).toEqual([spare.id])
    expect(
      first.filter((a) => a.kind === 'launch').map((a) => a.kind === 'launch' && a.role)
    ).toEqual(['standby'])
    expect(retires(first)).toEqual([])
    // next pass: the promoted spare serves and is ready, a new spare boots: the risky one goes
    const promoted = { ...spare, role: 'serving' as const, routed: true }
    const booting = replica({ role: 'standby', state: 'pending', ready: false, serving: false })
    const second = planService(shape, [replica(), risky, promoted, booting], ctx)
    expect(retires(second)).toEqual([risky.id])
    expect(second.some((a) => a.kind === 'launch')).toBe(false)
  })

  it('keeps an at-risk replica while its replacement is still booting', () => {
    const shape = { ...spec, standby: 0, replaceAtRisk: true }
    const risky = replica({ atRisk: true })
    const replacement = replica({ state: 'pending', ready: false, serving: false, routed: false })
    expect(retires(planService(shape, [replica(), risky, replacement], ctx))).toEqual([])
  })

  it('replaces an at-risk spare and retires it once a new spare is ready', () => {
    const shape = { ...spec, replaceAtRisk: true }
    const riskySpare = replica({ role: 'standby', atRisk: true })
    const first = planService(shape, [replica(), replica(), riskySpare], ctx)
    expect(first.map((a) => a.kind)).toEqual(['launch'])
    const fresh = replica({ role: 'standby', ready: true })
    expect(retires(planService(shape, [replica(), replica(), riskySpare, fresh], ctx))).toEqual([
      riskySpare.id
    ])
  })
})
