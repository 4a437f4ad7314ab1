// The service half of the controller's decision: desired replicas and spares against what the
// cloud shows, as a list of idempotent actions. Pure: the same observation gives the same plan, so a
// restart or a second look repeats nothing that is already done.
import type { CapacityMarket, InstanceRole, InstanceState } from '../../shared/fleet'
import type { ServiceMarket } from '../../shared/workload'
import { solveAssignment } from '../placement/assignment'

export type { ServiceMarket }

/** a zone that reclaimed a replica is avoided for new spot launches this long, seconds */
export const ZONE_COOL_DOWN_SECONDS = 30 * 60
/** after spot failed in every zone, spot is not tried again for this long, seconds */
export const SPOT_RETRY_SECONDS = 10 * 60

/** The part of a service spec the plan needs. */
export interface ServiceShape {
  name: string
  replicas: number
  standby: number
  market: ServiceMarket
  /** extra spot replicas beyond `replicas` (SpotHedge-style over-provisioning) */
  overProvision: number
  /** replace a replica or spare under a rebalance recommendation before its notice comes */
  replaceAtRisk?: boolean
}

export interface ReplicaView {
  id: string
  role: InstanceRole
  market: CapacityMarket
  zone: string
  state: InstanceState
  launchedAt: number
  /** under an interruption notice (or a planned drain): leaving, no longer counted */
  leaving: boolean
  /** the model server answers /health and lists the model */
  ready: boolean
  /** the model server was asked to start */
  serving: boolean
  /** registered at the router */
  routed: boolean
  /** an on-demand replica launched only because spot could not be had */
  fallback: boolean
  /** the instance whose notice it answers */
  replaces?: string
  /** launched for an older spec that serves something else (another model): replaced, then retired */
  outdated?: boolean
  /** under a rebalance recommendation: at elevated risk of a reclaim, still serving */
  atRisk?: boolean
}

export interface ServicePlanContext {
  /** zones the service may use, in preference order */
  zones: readonly string[]
  /** zones that reclaimed an instance recently: avoided for new spot launches while others exist */
  coolingZones: ReadonlySet<string>
  /** spot launches failed in every zone recently: the market is out of spot for now */
  spotUnavailable: boolean
  /** noticed serving replicas still waiting for a replacement, oldest first */
  unansweredNotices: readonly string[]
  /**
   * How spot launches pick their zones: 'spread' (the default) fewest replicas first and cooling
   * zones last; 'in-turn' the zones as given, the k-th launch of a pass starting k zones further
   * (round robin, when the caller rotates `zones` to its next zone).
   */
  zoneChoice?: 'spread' | 'in-turn'
  /**
   * To choose which spare answers which notice (several at once): each notice's zone and deadline
   * (ms), now (ms) and how long a launch takes to be ready (ms). Without them spares are taken
   * ready first, then oldest, in notice order.
   */
  spareChoice?: {
    now: number
    readyAfterMs: number
    notices: ReadonlyMap<string, { zone: string; deadline: number }>
  }
}

/**
 * A spare in the zone a notice came from, or in a zone that reclaimed recently, is charged this
 * share of a launch's time to ready: reclaims come in waves per zone, so it is likelier to follow.
 * A heuristic weight, not a measured probability.
 */
export const RISKY_ZONE_SHARE = 0.5

/**
 * Which spares fill which serving gaps: an exact minimum-cost assignment of gaps (the notices first,
 * then plain shortfall) to spares. A cell costs the time the service stays a replica short with
 * that spare (its time to ready past the notice's deadline) minus the time it would with a fresh
 * launch, plus the zone risk; so among several notices at once the earliest deadlines get the
 * readiest spares, and spares away from the reclaimed zones are preferred. Returns per gap the
 * spare's index, or -1 (the gap is left to a launch).
 */
export function assignSpares(
  gaps: readonly (string | undefined)[],
  spares: readonly Pick<ReplicaView, 'zone' | 'ready' | 'launchedAt'>[],
  choice: NonNullable<ServicePlanContext['spareChoice']>,
  cooling: ReadonlySet<string>
): Int32Array {
  const rows = gaps.length
  const cols = spares.length
  const cost = new Float64Array(rows * cols)
  const risk = choice.readyAfterMs * RISKY_ZONE_SHARE
  for (let i = 0; i < rows; i++) {
    const notice = gaps[i] !== undefined ? choice.notices.get(gaps[i]!) : undefined
    const left = notice ? Math.max(0, notice.deadline - choice.now) : 0
    const launchShort = Math.max(0, choice.readyAfterMs - left)
    for (let j = 0; j < cols; j++) {
      const s = spares[j]
      const eta = s.ready ? 0 : Math.max(0, s.launchedAt + choice.readyAfterMs - choice.now)
      const zoneRisk = (notice && s.zone === notice.zone) || cooling.has(s.zone) ? risk : 0
      cost[i * cols + j] = Math.max(0, eta - left) - launchShort + zoneRisk
    }
  }
  return solveAssignment(cost, rows, cols).rowToCol
}

export type ServiceAction =
  | {
      kind: 'launch'
      role: 'serving' | 'standby'
      market: CapacityMarket
      /** zones to try, in order */
      zones: string[]
      replaces?: string
      fallback?: boolean
      reason: string
    }
  | { kind: 'promote'; instanceId: string; replaces?: string; reason: string }
  | { kind: 'start-serving'; instanceId: string }
  | { kind: 'register'; instanceId: string }
  | { kind: 'retire'; instanceId: string; reason: string }

const ALIVE: ReadonlySet<InstanceState> = new Set(['pending', 'running', 'draining'])

const byAge = (a: ReplicaView, b: ReplicaView): number =>
  a.launchedAt - b.launchedAt || a.id.localeCompare(b.id)

/** Zones for a new spot replica: fewest of this service's replicas first, cooling zones last. */
export function spreadZones(
  zones: readonly string[],
  replicas: readonly Pick<ReplicaView, 'zone' | 'leaving'>[],
  cooling: ReadonlySet<string>
): string[] {
  const count = new Map<string, number>()
  for (const r of replicas) if (!r.leaving) count.set(r.zone, (count.get(r.zone) ?? 0) + 1)
  return [...zones].sort(
    (a, b) =>
      Number(cooling.has(a)) - Number(cooling.has(b)) ||
      (count.get(a) ?? 0) - (count.get(b) ?? 0) ||
      zones.indexOf(a) - zones.indexOf(b)
  )
}

/**
 * One reconcile step for a service. Counting only replicas that are not leaving:
 * - serving short of replicas (+ over-provision): promote a spare (ready first, then the oldest),
 *   else launch, spot in the least used zone, or on demand when the market says so or spot is out
 *   and the service allows the fallback;
 * - spares short: launch spot spares (never on demand);
 * - on-demand fallbacks are retired once enough spot replicas are ready; other surplus is retired
 *   newest first, spares before serving replicas;
 * - every running serving replica is told to serve, and registered at the router once ready.
 */
export function planService(
  spec: ServiceShape,
  replicas: readonly ReplicaView[],
  ctx: ServicePlanContext
): ServiceAction[] {
  const actions: ServiceAction[] = []
  const all = replicas.filter((r) => ALIVE.has(r.state) && !r.leaving).sort(byAge)
  // Replicas of an older spec are replaced surge-style: new ones are launched as if the old were
  // gone, and the old keep serving until enough new ones are ready, then they are retired.
  const outdated = all.filter((r) => r.outdated)
  // Replicas at risk (a rebalance recommendation) are replaced like outdated ones when the service
  // asks for it: counted as gone, kept serving until enough others are ready, then retired.
  const atRisk = spec.replaceAtRisk ? all.filter((r) => r.atRisk && !r.outdated) : []
  const alive = all.filter((r) => !r.outdated && !atRisk.includes(r))
  const serving = alive.filter((r) => r.role === 'serving')
  const spares = alive.filter((r) => r.role === 'standby')
  const spotServing = serving.filter((r) => !r.fallback)
  const fallbacks = serving.filter((r) => r.fallback)
  const wantServing =
    spec.replicas + (spec.market === 'ondemand' || spec.replicas === 0 ? 0 : spec.overProvision)
  const notices = [...ctx.unansweredNotices]
  const takeNotice = (): string | undefined => notices.shift()

  // 1. fill the serving gap (fallbacks do not count: spot replicas are still wanted behind them)
  let gap = wantServing - spotServing.length
  const promotable = [...spares].sort((a, b) => Number(b.ready) - Number(a.ready) || byAge(a, b))
  const promoted = new Set<string>()
  const promote = (spare: ReplicaView, replaces: string | undefined): void => {
    promoted.add(spare.id)
    actions.push({
      kind: 'promote',
      instanceId: spare.id,
      replaces,
      reason: replaces ? `replaces ${replaces}` : `serving ${spotServing.length}/${wantServing}`
    })
    gap--
  }
  if (gap > 0 && promotable.length > 0 && ctx.spareChoice) {
    // several notices at once: an optimal pairing of gaps and spares; gaps left go to launches
    const gaps = Array.from({ length: gap }, (_, k) => notices[k])
    const pick = assignSpares(gaps, promotable, ctx.spareChoice, ctx.coolingZones)
    const answered = new Set<string>()
    gaps.forEach((notice, k) => {
      if (pick[k] < 0) return
      promote(promotable[pick[k]], notice)
      if (notice !== undefined) answered.add(notice)
    })
    notices.splice(0, notices.length, ...notices.filter((n) => !answered.has(n)))
  } else {
    while (gap > 0 && promotable.length > 0) promote(promotable.shift()!, takeNotice())
  }
  // each launch planned in this pass counts as a replica in its first zone, so a pass that launches
  // several spreads them instead of sending all to the same zone
  const placed: Pick<ReplicaView, 'zone' | 'leaving'>[] = [...alive]
  let inTurn = 0
  const nextSpotZones = (): string[] => {
    if (ctx.zoneChoice === 'in-turn') {
      const k = inTurn++ % Math.max(1, ctx.zones.length)
      return [...ctx.zones.slice(k), ...ctx.zones.slice(0, k)]
    }
    const zones = spreadZones(ctx.zones, placed, ctx.coolingZones)
    if (zones.length > 0) placed.push({ zone: zones[0], leaving: false })
    return zones
  }
  const useSpot = spec.market !== 'ondemand'
  const readySpot = spotServing.filter((r) => r.ready).length
  if (gap > 0 && useSpot && !ctx.spotUnavailable) {
    for (; gap > 0; gap--) {
      const replaces = takeNotice()
      actions.push({
        kind: 'launch',
        role: 'serving',
        market: 'spot',
        zones: nextSpotZones(),
        replaces,
        reason: replaces ? `replaces ${replaces}` : `serving ${spotServing.length}/${wantServing}`
      })
    }
  } else if (gap > 0 && spec.market === 'ondemand') {
    for (; gap > 0; gap--) {
      const replaces = takeNotice()
      actions.push({
        kind: 'launch',
        role: 'serving',
        market: 'ondemand',
        zones: [...ctx.zones],
        replaces,
        reason: replaces ? `replaces ${replaces}` : `serving ${serving.length}/${wantServing}`
      })
    }
  }
  // 2. on-demand fallback only while spot cannot be had, and only up to the replicas not covered
  if (spec.market === 'spot-with-fallback') {
    const uncovered = Math.max(0, spec.replicas - readySpot - promoted.size)
    // while spot is out, cover every replica spot does not; once it is back, keep the fallbacks
    // that still cover a spot replica that is not ready yet, and launch no new ones
    const fallbackWanted = ctx.spotUnavailable ? uncovered : Math.min(fallbacks.length, uncovered)
    for (let k = fallbacks.length; k < fallbackWanted; k++) {
      actions.push({
        kind: 'launch',
        role: 'serving',
        market: 'ondemand',
        zones: [...ctx.zones],
        fallback: true,
        replaces: takeNotice(),
        reason: `spot unavailable: on-demand fallback ${k + 1}/${fallbackWanted}`
      })
    }
    // retire the fallbacks beyond what is still wanted, newest first
    for (const f of [...fallbacks]
      .reverse()
      .slice(0, Math.max(0, fallbacks.length - fallbackWanted)))
      actions.push({
        kind: 'retire',
        instanceId: f.id,
        reason: `on-demand fallback no longer needed (${readySpot} spot replicas ready)`
      })
  }
  // 3. surplus serving replicas (a smaller spec): newest first, never ones being promoted
  const surplusServing = spotServing.length - wantServing
  if (surplusServing > 0) {
    for (const r of [...spotServing].reverse().slice(0, surplusServing))
      actions.push({
        kind: 'retire',
        instanceId: r.id,
        reason: `more than ${wantServing} replicas`
      })
  }
  // 4. spares
  const sparesLeft = spares.filter((r) => !promoted.has(r.id))
  const spareGap = spec.standby - sparesLeft.length
  if (spareGap > 0 && useSpot && !ctx.spotUnavailable) {
    for (let k = 0; k < spareGap; k++)
      actions.push({
        kind: 'launch',
        role: 'standby',
        market: 'spot',
        zones: nextSpotZones(),
        reason: `standby ${sparesLeft.length + k}/${spec.standby}`
      })
  } else if (spareGap < 0) {
    // the newest, least ready spares go first
    const order = [...sparesLeft].sort((a, b) => Number(a.ready) - Number(b.ready) || byAge(b, a))
    for (const r of order.slice(0, -spareGap))
      actions.push({ kind: 'retire', instanceId: r.id, reason: `more than ${spec.standby} spares` })
  }
  // 4b. the old spec's replicas go once the new serve (its spares at once)
  const readyNew = alive.filter((r) => r.role === 'serving' && r.ready).length
  for (const r of outdated)
    if (r.role !== 'serving' || readyNew >= spec.replicas)
      actions.push({ kind: 'retire', instanceId: r.id, reason: 'replaced by the new spec' })
  // 4c. replicas at risk go once their replacements are ready (spares: once enough spares are)
  const readySpares = sparesLeft.filter((r) => r.ready).length
  for (const r of atRisk)
    if (r.role === 'serving' ? readyNew >= spec.replicas : readySpares >= spec.standby)
      actions.push({
        kind: 'retire',
        instanceId: r.id,
        reason: 'rebalance recommendation: replaced by a ready one'
      })
  // 5. serving: every running replica (spares too: a warm spare has its model loaded) serves;
  //    only serving ones that are ready get routed
  for (const r of alive) {
    if (r.state !== 'running') continue
    if (!r.serving) actions.push({ kind: 'start-serving', instanceId: r.id })
    else if (r.ready && !r.routed && (r.role === 'serving' || promoted.has(r.id)))
      actions.push({ kind: 'register', instanceId: r.id })
  }
  return actions
}
