// The service mode of the what-if simulator: one model service kept at `replicas` ready replicas
// under one placement, over one run's market. The decisions are the live controller's service plan
// (policies/service-placements.ts over policies/service-plan.ts), asked again after every event, as
// the controller reconciles after every notice and sync; this file only plays the cloud around it:
// launches that find capacity or not, boot and model load, capacity drops that reclaim with a
// notice, and the bill.
import type {
  RunMetrics,
  ServicePlacementName,
  ServiceWorkloadConfig,
  SimulationConfig,
  SimulationTimelineEvent
} from '../../shared/simulation'
import { billOfLife } from '../billing'
import {
  SPOT_RETRY_SECONDS,
  ZONE_COOL_DOWN_SECONDS,
  type ReplicaView,
  type ServiceAction,
  type ServiceShape
} from '../policies/service-plan'
import { planPlacement } from '../policies/service-placements'
import { billLife, type BilledLife } from './billing'
import { deadlineInstanceType } from './deadline'
import { EventQueue } from './event-queue'
import type { RunMarket } from './market/types'
import { emptyMetrics } from './metrics'

const CAPACITY = 1
const BOOTED = 2
const LOADED = 3
const TERMINATE = 4
const RECLAIM = 5
const WAKE = 6

/** the figures a service has no meaning for: it runs no tasks and no deadline */
const NOT_APPLICABLE: readonly (keyof RunMetrics)[] = [
  'savings_pct',
  'completed_tasks',
  'total_tasks',
  'unfinished_tasks',
  'unfinished_work_hours',
  'completion_time_mean_hours',
  'completion_time_p50_hours',
  'completion_time_p99_hours',
  'work_lost_gpu_hours',
  'checkpoints_full',
  'checkpoints_partial',
  'checkpoints_restart',
  'work_saved_gpu_hours',
  'deadline_met_pct',
  'migrations',
  'spot_work_hours',
  'ondemand_work_hours',
  'completed_work_hours',
  'optimal_cost',
  'gap_to_optimal_pct'
]

/** a pass that keeps changing what it asks for is a bug, not a service: stop it loudly */
const MAX_PASSES_PER_INSTANT = 8

export interface ServiceRunInput {
  config: SimulationConfig & { workload: ServiceWorkloadConfig }
  market: RunMarket
  placement: ServicePlacementName
  /** seeded [0, 1): which replica a capacity drop takes, and hazard reclaims on synthetic markets */
  uniform: () => number
  timeline?: SimulationTimelineEvent[]
  stats?: { events: number }
}

interface SimReplica {
  index: number
  view: ReplicaView
  zoneIndex: number
  life: BilledLife
  alive: boolean
  /** end of its notice, seconds (Infinity while not noticed) */
  noticeEnd: number
}

/** The bill of the wanted replicas on demand for the whole window: what cost_pct_of_ondemand divides by. */
export function ondemandReferenceCost(market: RunMarket, replicas: number): number {
  const type = market.instanceTypes[deadlineInstanceType(market)]
  return replicas * billOfLife({ start: 0 }, market.horizonSeconds, type.onDemandPrice).cost
}

/**
 * One service under one placement over [0, horizon]. Availability is the share of the window with
 * at least `replicas` ready serving replicas (a noticed replica serves until the market takes it at
 * the end of its notice; the first boot counts as down for every placement alike).
 */
export function simulateService(input: ServiceRunInput): RunMetrics {
  const { config, market, placement, uniform, timeline, stats } = input
  const workload = config.workload
  const horizon = market.horizonSeconds
  const grace = config.graceSeconds
  const readyAfter = workload.bootSeconds + workload.modelLoadSeconds
  const typeIndex = deadlineInstanceType(market)
  const zoneCount = market.zones.length
  const zoneIndexOf = new Map(market.zones.map((z, i) => [z, i]))
  const metrics = emptyMetrics()
  const queue = new EventQueue(256)
  const spec: ServiceShape = {
    name: 'service',
    replicas: workload.replicas,
    standby: workload.standby,
    market: 'spot-with-fallback',
    overProvision: workload.overProvision
  }

  const steps = market.zones.map((_, z) => market.capacitySteps(z))
  const capacityIndex = new Int32Array(zoneCount)
  const outageUntil = new Float64Array(zoneCount)
  const coolingUntil = new Float64Array(zoneCount)
  let spotOutUntil = -Infinity
  let turn = 0
  /** every replica ever launched, by index (ids are `sim-<index>`) */
  const replicas: SimReplica[] = []
  /** the ones the cloud still runs, in launch order */
  let live: SimReplica[] = []
  const unanswered: string[] = []

  let lastT = 0
  let readyNow = 0
  let availableSeconds = 0

  const record = (e: SimulationTimelineEvent): void => {
    timeline?.push(e)
  }
  const capacityAt = (z: number): number => steps[z].capacity[capacityIndex[z]]
  const spotHeld = (z: number): number => {
    let n = 0
    for (const r of live) if (r.life.spot && r.zoneIndex === z && !r.view.leaving) n++
    return n
  }
  const spotRoom = (z: number, t: number): boolean =>
    outageUntil[z] <= t && capacityAt(z) > spotHeld(z)

  const launch = (a: Extract<ServiceAction, { kind: 'launch' }>, t: number): boolean => {
    let zone = -1
    if (a.market === 'spot') {
      for (const name of a.zones) {
        const z = zoneIndexOf.get(name)
        if (z !== undefined && spotRoom(z, t)) {
          zone = z
          break
        }
      }
      if (zone < 0) {
        metrics.launch_failures++
        record({ t, kind: 'launch-failed', market: 'spot', detail: a.reason })
        return false
      }
      turn = zone + 1
      metrics.instances_launched_spot++
    } else {
      zone = zoneIndexOf.get(a.zones[0]) ?? 0
      metrics.instances_launched_ondemand++
    }
    const index = replicas.length
    const id = `sim-${index}`
    const replica: SimReplica = {
      index,
      view: {
        id,
        role: a.role,
        market: a.market,
        zone: market.zones[zone],
        state: 'pending',
        launchedAt: t,
        leaving: false,
        ready: false,
        serving: false,
        routed: false,
        fallback: a.fallback === true,
        replaces: a.replaces
      },
      zoneIndex: zone,
      life: { typeIndex, zoneIndex: zone, spot: a.market === 'spot', start: t, end: NaN },
      alive: true,
      noticeEnd: Infinity
    }
    replicas.push(replica)
    live.push(replica)
    if (a.replaces) answer(a.replaces)
    if (t + workload.bootSeconds <= horizon) queue.push(t + workload.bootSeconds, BOOTED, index)
    if (a.market === 'spot') {
      const reclaim = market.drawReclaimTime(typeIndex, zone, t, uniform)
      if (reclaim < horizon) queue.push(reclaim, RECLAIM, index)
    }
    record({
      t,
      kind: 'launch',
      instance: id,
      zone: market.zones[zone],
      market: a.market,
      detail: a.reason
    })
    return true
  }

  const answer = (noticed: string): void => {
    const k = unanswered.indexOf(noticed)
    if (k >= 0) unanswered.splice(k, 1)
  }

  const end = (r: SimReplica, t: number, kind: 'terminate' | 'release', detail?: string): void => {
    r.alive = false
    live = live.filter((x) => x !== r)
    r.view.state = 'terminated'
    r.view.routed = false
    r.life.end = t
    answer(r.view.id)
    record({ t, kind, instance: r.view.id, zone: r.view.zone, market: r.view.market, detail })
  }

  const notice = (r: SimReplica, t: number): void => {
    r.view.leaving = true
    r.noticeEnd = t + grace
    metrics.notices++
    metrics.preemptions++
    coolingUntil[r.zoneIndex] = Math.max(coolingUntil[r.zoneIndex], t + ZONE_COOL_DOWN_SECONDS)
    if (r.view.role === 'serving') unanswered.push(r.view.id)
    record({ t, kind: 'notice', instance: r.view.id, zone: r.view.zone, market: 'spot' })
    // taken at the end of the notice; one still noticed at the horizon is billed up to it
    if (t + grace <= horizon) queue.push(t + grace, TERMINATE, r.index)
  }

  /** A capacity drop takes replicas beyond the new capacity, chosen with the seeded stream. */
  const enforceCapacity = (z: number, t: number): void => {
    const held = live.filter((r) => r.life.spot && r.zoneIndex === z && !r.view.leaving)
    let excess = held.length - capacityAt(z)
    while (excess-- > 0) {
      const victim = held.splice(Math.floor(uniform() * held.length), 1)[0]
      notice(victim, t)
    }
  }

  const apply = (a: ServiceAction, t: number): boolean => {
    switch (a.kind) {
      case 'launch':
        return launch(a, t)
      case 'promote': {
        const r = byId(a.instanceId)
        r.view.role = 'serving'
        r.view.replaces = a.replaces
        if (a.replaces) answer(a.replaces)
        return true
      }
      case 'start-serving': {
        const r = byId(a.instanceId)
        r.view.serving = true
        const at = t + workload.modelLoadSeconds
        if (at <= horizon) queue.push(at, LOADED, r.index)
        return true
      }
      case 'register': {
        const r = byId(a.instanceId)
        r.view.routed = true
        record({ t, kind: 'ready', instance: r.view.id, zone: r.view.zone, market: r.view.market })
        return true
      }
      case 'retire':
        end(byId(a.instanceId), t, 'release', a.reason)
        return true
    }
  }

  const byId = (id: string): SimReplica => {
    const r = replicas[Number(id.slice(4))]
    if (!r || r.view.id !== id || !r.alive) throw new Error(`service plan named unknown ${id}`)
    return r
  }

  /** The controller's pass: plan on what the cloud shows, act; once more at once if spot ran out. */
  const reconcile = (t: number): void => {
    for (let pass = 0; pass < MAX_PASSES_PER_INSTANT; pass++) {
      const cooling = new Set<string>()
      for (let z = 0; z < zoneCount; z++) if (coolingUntil[z] > t) cooling.add(market.zones[z])
      const views = live.map((r) => r.view)
      // which spare answers which notice: the controller's rule, in ms as the controller gives it
      const notices = new Map<string, { zone: string; deadline: number }>()
      for (const id of unanswered) {
        const r = replicas[Number(id.slice(4))]
        notices.set(id, { zone: r.view.zone, deadline: r.noticeEnd * 1000 })
      }
      const actions = planPlacement(
        placement,
        spec,
        views,
        {
          zones: market.zones,
          coolingZones: cooling,
          spotUnavailable: spotOutUntil > t,
          unansweredNotices: [...unanswered],
          spareChoice: { now: t * 1000, readyAfterMs: readyAfter * 1000, notices }
        },
        turn
      )
      let spotOut = false
      for (const a of actions) if (!apply(a, t) && a.kind === 'launch') spotOut = true
      if (!spotOut) return
      spotOutUntil = t + SPOT_RETRY_SECONDS
      if (spotOutUntil < horizon) queue.push(spotOutUntil, WAKE, 0)
    }
    throw new Error(`service plan (${placement}) did not settle at t = ${t} s`)
  }

  const countReady = (): number => {
    let n = 0
    for (const r of live) if (r.view.routed && r.view.role === 'serving') n++
    return n
  }
  const advance = (t: number): void => {
    if (readyNow >= workload.replicas) availableSeconds += t - lastT
    lastT = t
  }

  for (let z = 0; z < zoneCount; z++)
    for (let k = 1; k < steps[z].times.length; k++)
      if (steps[z].times[k] < horizon) queue.push(steps[z].times[k], CAPACITY, z, k)
  reconcile(0)

  while (queue.pop()) {
    const t = queue.time
    if (t > horizon) break
    if (stats) stats.events++
    advance(t)
    const subject = queue.subject
    switch (queue.kind) {
      case CAPACITY:
        capacityIndex[subject] = queue.epoch
        enforceCapacity(subject, t)
        break
      case BOOTED: {
        const r = replicas[subject]
        if (r.alive) r.view.state = 'running'
        break
      }
      case LOADED: {
        const r = replicas[subject]
        if (r.alive) r.view.ready = true
        break
      }
      case TERMINATE: {
        const r = replicas[subject]
        if (r.alive) end(r, t, 'terminate')
        break
      }
      case RECLAIM: {
        const r = replicas[subject]
        if (!r.alive || r.view.leaving) break
        notice(r, t)
        const outage = market.drawOutageSeconds(r.zoneIndex, uniform)
        if (outage > 0) {
          outageUntil[r.zoneIndex] = Math.max(outageUntil[r.zoneIndex], t + outage)
          if (t + outage < horizon) queue.push(t + outage, WAKE, 0)
        }
        break
      }
      case WAKE:
        break
    }
    reconcile(t)
    readyNow = countReady()
  }
  advance(horizon)

  for (const r of replicas) billLife(metrics, market, r.life)
  for (const name of NOT_APPLICABLE) metrics[name] = NaN
  const reference = ondemandReferenceCost(market, workload.replicas)
  metrics.ondemand_baseline_cost = reference
  metrics.availability_pct = horizon > 0 ? (100 * availableSeconds) / horizon : NaN
  metrics.cost_pct_of_ondemand = reference > 0 ? (100 * metrics.total_cost) / reference : NaN
  return metrics
}
