import type { TraceZone } from './types'

/**
 * A zone as the JSON layout loadTrace reads back: capacity in the available convention (stated in the
 * metadata, so a copy saved under a gcp-... folder is not inverted again), per-instance prices as
 * metadata.spot_price / on_demand_price and per-tick prices as a top-level "prices" array.
 */
export function writeTraceJson(zone: TraceZone): string {
  const metadata: Record<string, unknown> = {
    gap_seconds: zone.gapSeconds,
    ...(zone.startTime !== undefined && { start_time: zone.startTime }),
    zone: zone.zone,
    convention: 'available',
    binary: zone.binary,
    ...(zone.spotPrice !== undefined && { spot_price: zone.spotPrice }),
    ...(zone.onDemandPrice !== undefined && { on_demand_price: zone.onDemandPrice })
  }
  const doc: Record<string, unknown> = { metadata, data: Array.from(zone.capacity) }
  if (zone.prices) doc.prices = Array.from(zone.prices)
  return JSON.stringify(doc)
}
