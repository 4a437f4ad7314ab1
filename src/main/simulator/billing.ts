import type { RunMetrics } from '../../shared/simulation'
import type { RunMarket } from './market/types'

/** AWS bills Linux instances per second with a one-minute minimum. */
export const MINIMUM_BILLED_SECONDS = 60

export interface BilledLife {
  typeIndex: number
  zoneIndex: number
  spot: boolean
  start: number
  /** when the instance ended, or NaN while it still runs at the horizon */
  end: number
}

/**
 * Bills one instance's whole life, per second, at the price in force each second, into the run's
 * metrics. An instance still alive at the horizon is billed up to the horizon (it has not ended);
 * an ended one for its life rounded up to whole seconds, at least the minimum.
 */
export function billLife(metrics: RunMetrics, market: RunMarket, life: BilledLife): void {
  const horizon = market.horizonSeconds
  const ended = Number.isFinite(life.end) && life.end <= horizon
  const end = ended
    ? life.start + Math.max(MINIMUM_BILLED_SECONDS, Math.ceil(life.end - life.start))
    : horizon
  const hours = (end - life.start) / 3600
  const type = market.instanceTypes[life.typeIndex]
  const cost = life.spot
    ? market.spotCost(life.typeIndex, life.zoneIndex, life.start, end)
    : type.onDemandPrice * hours
  metrics.total_cost += cost
  metrics.ondemand_baseline_cost += type.onDemandPrice * hours
  if (life.spot) metrics.spot_hours += hours
  else metrics.ondemand_hours += hours
}
