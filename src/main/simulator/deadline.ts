import type {
  DeadlineJobConfig,
  RunMetrics,
  SimulationConfig,
  SimulationTimelineEvent
} from '../../shared/simulation'
import { billLife, type BilledLife } from './billing'
import { EventQueue } from './event-queue'
import type { RunMarket } from './market/types'
import { emptyMetrics } from './metrics'
import type { DeadlineChoice, DeadlineView, Policy } from '../policies'
import {
  MIN_SWITCH_INTERVAL_SECONDS,
  decideJobStep,
  nextJobWakeup,
  type WakeupCursor
} from '../policies/job-plan'

// the floor lives with the shared job step; re-exported for the engine's readers
export { MIN_SWITCH_INTERVAL_SECONDS }

const CAPACITY = 1
const ZONE_OPEN = 2
const RECLAIM = 3
const READY = 4
const DONE = 5
const DECIDE = 6

export interface DeadlineRunInput {
  config: SimulationConfig & { workload: DeadlineJobConfig }
  market: RunMarket
  policy: Policy
  uniform: () => number
  timeline?: SimulationTimelineEvent[]
  /** when given, counts the events processed (benchmarks report events per second) */
  stats?: { events: number }
}

/** The job needs one GPU: the type with the cheapest on-demand price per instance. */
export function deadlineInstanceType(market: RunMarket): number {
  let typeIndex = 0
  for (let k = 1; k < market.instanceTypes.length; k++) {
    if (market.instanceTypes[k].onDemandPrice < market.instanceTypes[typeIndex].onDemandPrice)
      typeIndex = k
  }
  return typeIndex
}

/**
 * One deadline job (compute C, deadline R, changeover d) under one policy. Progress is kept across
 * reclaims (the job checkpoints inside the notice); every switch of instance costs a changeover d,
 * billed and without progress. The policy is asked again at every event, at the instants its
 * rules can flip (its deadlineWakeups, and the shared safety-net line), and no policy may change a
 * choice within MIN_SWITCH_INTERVAL_SECONDS of making it.
 */
export function simulateDeadline(input: DeadlineRunInput): RunMetrics {
  const { config, market, policy, uniform, timeline, stats } = input
  const C = config.workload.computeHours * 3600
  const R = config.workload.deadlineHours * 3600
  const d = config.changeoverSeconds
  const horizon = market.horizonSeconds
  const metrics = emptyMetrics()
  metrics.total_tasks = 1
  const queue = new EventQueue(256)
  const zoneCount = market.zones.length
  const typeIndex = deadlineInstanceType(market)

  const steps = market.zones.map((_, z) => market.capacitySteps(z))
  const capacityIndex = new Int32Array(zoneCount)
  const outageUntil = new Float64Array(zoneCount)
  const lives: BilledLife[] = []

  let mode = 'idle' as DeadlineChoice
  let life = null as BilledLife | null
  let epoch = 0
  let readyAt = NaN
  let progress = 0
  let runningSince = NaN
  let safetyNet = false
  let finishedAt = NaN
  /** when the policy's current choice was applied; -Infinity after a reclaim chose for it */
  let choiceAt = -Infinity
  /** the one DECIDE wake-up that counts (older ones are skipped) */
  let wakeToken = 0
  let spotWork = 0
  let ondemandWork = 0

  const record = (e: SimulationTimelineEvent): void => {
    timeline?.push(e)
  }
  const spotZoneFree = (z: number, t: number): boolean =>
    outageUntil[z] <= t && steps[z].capacity[capacityIndex[z]] >= 1
  const cheapestSpotZone = (t: number): number => {
    let best = -1
    for (let z = 0; z < zoneCount; z++) {
      if (!spotZoneFree(z, t)) continue
      if (best < 0 || market.spotPrice(typeIndex, z, t) < market.spotPrice(typeIndex, best, t))
        best = z
    }
    return best
  }
  const progressAt = (t: number): number =>
    Number.isFinite(runningSince) ? progress + (t - runningSince) : progress

  // Replayed traces: for each zone and capacity step, when the zone next has no spot capacity.
  const dropAfter = market.replay
    ? steps.map(({ times, capacity }) => {
        const drop = new Float64Array(times.length).fill(Infinity)
        for (let i = times.length - 2; i >= 0; i--)
          drop[i] = capacity[i + 1] < 1 ? times[i + 1] : drop[i + 1]
        return drop
      })
    : null

  /** Books the progress made since the instance became ready on the market it ran on. */
  const bookProgress = (t: number): void => {
    const done = progressAt(t) - progress
    if (life?.spot) spotWork += done
    else ondemandWork += done
  }

  const stop = (t: number, billedUntil: number): void => {
    if (!life) return
    bookProgress(t)
    progress = progressAt(t)
    runningSince = NaN
    // A reclaim at the very instant the work completes (the market's event came first) still
    // completes it.
    if (progress >= C - 1e-9 && !Number.isFinite(finishedAt)) finishedAt = t
    life.end = billedUntil
    lives.push(life)
    record({ t, kind: 'release', instance: `sim-${lives.length - 1}` })
    life = null
    mode = 'idle'
    epoch++
  }

  const start = (choice: 'spot' | 'ondemand', t: number): void => {
    const zone = choice === 'spot' ? cheapestSpotZone(t) : 0
    if (zone < 0) return
    epoch++
    mode = choice
    life = { typeIndex, zoneIndex: zone, spot: choice === 'spot', start: t, end: NaN }
    readyAt = t + d
    queue.push(readyAt, READY, 0, epoch)
    if (choice === 'spot') {
      metrics.instances_launched_spot++
      const reclaim = market.drawReclaimTime(typeIndex, zone, t, uniform)
      if (reclaim < horizon) queue.push(reclaim, RECLAIM, 0, epoch)
    } else metrics.instances_launched_ondemand++
    record({
      t,
      kind: 'launch',
      instance: `sim-${lives.length}`,
      zone: market.zones[zone],
      market: choice
    })
  }

  const onDemandPrice = market.instanceTypes[typeIndex].onDemandPrice
  const view = (t: number): DeadlineView => {
    const zone = mode === 'spot' && life ? life.zoneIndex : cheapestSpotZone(t)
    return {
      now: t,
      progress: progressAt(t),
      computeTime: C,
      deadline: R,
      changeover: d,
      spotAvailable: zone >= 0,
      current: mode,
      safetyNet,
      preemptions: metrics.preemptions,
      running: Number.isFinite(runningSince),
      spotLifetime: dropAfter
        ? zone >= 0
          ? dropAfter[zone][capacityIndex[zone]] - t
          : 0
        : undefined,
      spotPrice: zone >= 0 ? market.spotPrice(typeIndex, zone, t) : undefined,
      onDemandPrice
    }
  }

  /** the shared wake-up rule's memory of its last second look */
  const cursor: WakeupCursor = { recheckFrom: -Infinity }

  const decide = (t: number): void => {
    if (Number.isFinite(finishedAt)) return
    const step = decideJobStep(policy, view(t), choiceAt)
    safetyNet = step.safetyNet
    if (step.switchNow) {
      stop(t, t)
      if (step.choice !== 'idle') start(step.choice, t)
      choiceAt = t
    }
    const next = nextJobWakeup(policy, view(t), step.heldUntil, cursor)
    if (next < horizon) queue.push(next, DECIDE, ++wakeToken, epoch)
  }

  for (let z = 0; z < zoneCount; z++) {
    for (let k = 1; k < steps[z].times.length; k++)
      if (steps[z].times[k] < horizon) queue.push(steps[z].times[k], CAPACITY, z, k)
  }
  decide(0)

  while (queue.pop() && !Number.isFinite(finishedAt)) {
    const t = queue.time
    if (t > horizon) break
    if (stats) stats.events++
    switch (queue.kind) {
      case CAPACITY: {
        const z = queue.subject
        capacityIndex[z] = queue.epoch
        if (
          mode === 'spot' &&
          life &&
          life.zoneIndex === z &&
          steps[z].capacity[capacityIndex[z]] < 1
        )
          reclaim(t)
        decide(t)
        break
      }
      case ZONE_OPEN:
        decide(t)
        break
      case RECLAIM:
        if (queue.epoch === epoch && mode === 'spot') reclaim(t)
        decide(t)
        break
      case READY:
        if (queue.epoch !== epoch) break
        readyAt = NaN
        runningSince = t
        queue.push(t + (C - progress), DONE, 0, epoch)
        decide(t)
        break
      case DONE:
        if (queue.epoch !== epoch) break
        finishedAt = t
        stop(t, t)
        break
      case DECIDE:
        if (queue.epoch === epoch && queue.subject === wakeToken) decide(t)
        break
    }
  }

  function reclaim(t: number): void {
    const zone = life!.zoneIndex
    metrics.notices++
    metrics.preemptions++
    record({ t, kind: 'notice', zone: market.zones[zone], market: 'spot' })
    // Billed through the notice until the market terminates it.
    stop(t, t + config.graceSeconds)
    // the market chose for the policy: it may choose again at once
    choiceAt = -Infinity
    const outage = market.drawOutageSeconds(zone, uniform)
    if (outage > 0) {
      outageUntil[zone] = Math.max(outageUntil[zone], t + outage)
      if (t + outage < horizon) queue.push(t + outage, ZONE_OPEN, zone)
    }
  }

  if (life) {
    bookProgress(horizon)
    lives.push(life)
  }
  for (const l of lives) billLife(metrics, market, l)
  const finalProgress = Number.isFinite(finishedAt) ? C : progressAt(horizon)
  metrics.spot_work_hours = spotWork / 3600
  metrics.ondemand_work_hours = ondemandWork / 3600
  metrics.completed_tasks = Number.isFinite(finishedAt) ? 1 : 0
  metrics.completed_work_hours = (metrics.completed_tasks * C) / 3600
  metrics.unfinished_tasks = 1 - metrics.completed_tasks
  metrics.unfinished_work_hours = Math.max(0, C - finalProgress) / 3600
  const hours = finishedAt / 3600
  metrics.completion_time_mean_hours = hours
  metrics.completion_time_p50_hours = hours
  metrics.completion_time_p99_hours = hours
  metrics.deadline_met_pct = Number.isFinite(finishedAt) && finishedAt <= R + 1e-6 ? 100 : 0
  return metrics
}
