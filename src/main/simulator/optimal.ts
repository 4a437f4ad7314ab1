import type { RunMetrics, SimulationTimelineEvent } from '../../shared/simulation'
import type { OmniscientInput, OmniscientPlan } from '../policies/omniscient'
import type { RunMarket } from './market/types'
import { emptyMetrics } from './metrics'

/**
 * The omniscient planner's view of a replayed market up to the deadline: the trace ticks, merged
 * where neither any zone's capacity nor any price changes. Null when the market does not replay a
 * trace (a synthetic market draws its reclaims as it goes, so there is nothing to know ahead).
 */
export function omniscientInput(
  market: RunMarket,
  typeIndex: number,
  job: { computeSeconds: number; deadlineSeconds: number; changeoverSeconds: number }
): OmniscientInput | null {
  if (!market.replay) return null
  const tick = market.replay.tickSeconds
  const R = job.deadlineSeconds
  const zones = market.zones.length
  const steps = market.zones.map((_, z) => market.capacitySteps(z))
  const at = new Int32Array(zones)
  const lengths: number[] = []
  const available: number[] = []
  const costs: number[] = []
  const ticks = Math.max(1, Math.ceil(R / tick - 1e-9))
  for (let k = 0; k < ticks; k++) {
    const from = k * tick
    const to = Math.min(R, (k + 1) * tick)
    if (!(to > from)) break
    const row: number[] = []
    const rowCost: number[] = []
    for (let z = 0; z < zones; z++) {
      const s = steps[z]
      while (at[z] + 1 < s.times.length && s.times[at[z] + 1] <= from + 1e-9) at[z]++
      row.push(s.capacity[at[z]] >= 1 ? 1 : 0)
      rowCost.push(market.spotCost(typeIndex, z, from, to))
    }
    const last = lengths.length - 1
    const same =
      last >= 0 &&
      row.every((a, z) => a === available[last * zones + z]) &&
      rowCost.every(
        (c, z) => Math.abs(c / (to - from) - costs[last * zones + z] / lengths[last]) < 1e-12
      )
    if (same) {
      lengths[last] += to - from
      for (let z = 0; z < zones; z++) costs[last * zones + z] += rowCost[z]
    } else {
      lengths.push(to - from)
      available.push(...row)
      costs.push(...rowCost)
    }
  }
  return {
    lengths: Float64Array.from(lengths),
    zones,
    spotAvailable: Uint8Array.from(available),
    spotCost: Float64Array.from(costs),
    onDemandPrice: market.instanceTypes[typeIndex].onDemandPrice,
    computeSeconds: job.computeSeconds,
    changeoverSeconds: job.changeoverSeconds
  }
}

/** The plan in the engine's terms: its metrics (billed exactly as planned) and its timeline. */
export function planMetrics(
  plan: OmniscientPlan,
  market: RunMarket,
  typeIndex: number,
  changeoverSeconds: number,
  timeline?: SimulationTimelineEvent[]
): RunMetrics {
  const metrics = emptyMetrics()
  const onDemandPrice = market.instanceTypes[typeIndex].onDemandPrice
  metrics.total_tasks = 1
  metrics.completed_tasks = 1
  metrics.total_cost = plan.cost
  plan.lives.forEach((life, i) => {
    const hours = (life.end - life.start) / 3600
    const work = Math.max(0, life.end - life.start - changeoverSeconds) / 3600
    metrics.ondemand_baseline_cost += onDemandPrice * hours
    if (life.market === 'spot') {
      metrics.spot_hours += hours
      metrics.spot_work_hours += work
      metrics.instances_launched_spot++
    } else {
      metrics.ondemand_hours += hours
      metrics.ondemand_work_hours += work
      metrics.instances_launched_ondemand++
    }
    const instance = `sim-${i}`
    timeline?.push(
      {
        t: life.start,
        kind: 'launch',
        instance,
        zone: market.zones[life.zone],
        market: life.market
      },
      { t: life.end, kind: 'release', instance }
    )
  })
  metrics.completed_work_hours = metrics.spot_work_hours + metrics.ondemand_work_hours
  const hours = plan.finish / 3600
  metrics.completion_time_mean_hours = hours
  metrics.completion_time_p50_hours = hours
  metrics.completion_time_p99_hours = hours
  metrics.deadline_met_pct = 100
  return metrics
}
