import type { RunMetrics } from '../../shared/simulation'
import { billOfLife } from '../billing'
import type { RunMarket } from './market/types'

export { MINIMUM_BILLED_SECONDS } from '../billing'

export interface BilledLife {
  typeIndex: number
  zoneIndex: number
  spot: boolean
  start: number
  /** when the instance ended, or NaN while it still runs at the horizon */
  end: number
}

/**
 * Bills one instance's whole life into the run's metrics with the billing core: per second, at the
 * price the market had in force each second. An instance still alive at the horizon is billed up to
 * the horizon (it has not ended); an end recorded past the horizon is cut there too.
 */
export function billLife(metrics: RunMetrics, market: RunMarket, life: BilledLife): void {
  const horizon = market.horizonSeconds
  const ended = Number.isFinite(life.end) && life.end <= horizon
  const type = market.instanceTypes[life.typeIndex]
  const bill = billOfLife(
    { start: life.start, lived: ended ? life.end - life.start : undefined },
    horizon,
    type.onDemandPrice,
    life.spot ? (t0, t1) => market.spotCost(life.typeIndex, life.zoneIndex, t0, t1) : undefined
  )
  const hours = (bill.end - bill.start) / 3600
  metrics.total_cost += bill.cost
  metrics.ondemand_baseline_cost += bill.ondemandCost
  if (life.spot) metrics.spot_hours += hours
  else metrics.ondemand_hours += hours
}
