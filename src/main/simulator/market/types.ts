import type { InstanceTypeSpec } from '../../../shared/simulation'

/**
 * One run's view of a spot market: prices and capacity over [0, horizonSeconds] of simulated time,
 * already shifted to the run's start offset. Indices are into `zones` and `instanceTypes`, both in a
 * fixed, sorted order so nothing depends on hash order.
 */
export interface RunMarket {
  readonly zones: readonly string[]
  readonly instanceTypes: readonly InstanceTypeSpec[]
  readonly horizonSeconds: number
  /**
   * Present when the market replays a trace: capacity and prices are known ahead, change only at
   * multiples of tickSeconds, and spot is reclaimed only by capacity drops (what the oracle and the
   * omniscient planner rely on).
   */
  readonly replay?: { readonly tickSeconds: number }
  /** spot price in force at second t, $/h */
  spotPrice(typeIndex: number, zoneIndex: number, t: number): number
  /** exact spot cost of [t0, t1), $, integrating the price path */
  spotCost(typeIndex: number, zoneIndex: number, t0: number, t1: number): number
  /**
   * Spot capacity of a zone (instances that may run there) as steps: capacity[i] holds from times[i]
   * until times[i + 1]. times[0] is 0. Infinity means unlimited.
   */
  capacitySteps(zoneIndex: number): { times: Float64Array; capacity: Float64Array }
  /**
   * Hazard-driven reclaim time of a spot instance running from `from`, drawn with `uniform` (a seeded
   * source of [0, 1) numbers). Infinity when this market reclaims only through capacity drops.
   */
  drawReclaimTime(typeIndex: number, zoneIndex: number, from: number, uniform: () => number): number
  /**
   * After a hazard reclaim, how long the zone has no spot capacity, seconds (0 for markets whose
   * capacity comes from a trace).
   */
  drawOutageSeconds(zoneIndex: number, uniform: () => number): number
}
