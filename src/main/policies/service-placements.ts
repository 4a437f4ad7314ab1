// The placements the simulator's service mode compares. Each is the live controller's service plan
// (service-plan.ts) under a different spec and zone rule, never a second implementation of it:
// - spothedge: the plan as the controller runs a `spot-with-fallback` service (SkyServe's SpotHedge,
//   EuroSys '25): spread over zones, away from zones that just reclaimed, `overProvision` extra spot
//   replicas, on-demand fallback only while spot cannot be had and retired once spot is ready;
// - even-spread: spot only, fewest replicas first, blind to reclaims, no extras, no fallback;
// - round-robin: spot only, zones in turn from the zone after the last launch, no extras, no fallback;
// - ondemand: every replica on demand.
import type { ServicePlacementName } from '../../shared/simulation'
import {
  planService,
  type ReplicaView,
  type ServiceAction,
  type ServicePlanContext,
  type ServiceShape
} from './service-plan'

export type { ServicePlacementName }

const NO_ZONES: ReadonlySet<string> = new Set()

/** The spec a placement runs the service with. */
export function placementShape(placement: ServicePlacementName, spec: ServiceShape): ServiceShape {
  switch (placement) {
    case 'spothedge':
      return { ...spec, market: 'spot-with-fallback' }
    case 'even-spread':
    case 'round-robin':
      return { ...spec, market: 'spot', overProvision: 0 }
    case 'ondemand':
      return { ...spec, market: 'ondemand', overProvision: 0, standby: 0 }
  }
}

/**
 * One reconcile step of a service under a placement. `turn` is round-robin's next zone (an index
 * into ctx.zones, kept by the caller: the zone after the last spot launch); the others ignore it.
 */
export function planPlacement(
  placement: ServicePlacementName,
  spec: ServiceShape,
  replicas: readonly ReplicaView[],
  ctx: ServicePlanContext,
  turn = 0
): ServiceAction[] {
  const shape = placementShape(placement, spec)
  switch (placement) {
    case 'spothedge':
    case 'ondemand':
      return planService(shape, replicas, ctx)
    case 'even-spread':
      return planService(shape, replicas, { ...ctx, coolingZones: NO_ZONES, zoneChoice: 'spread' })
    case 'round-robin': {
      const k =
        ctx.zones.length > 0 ? ((turn % ctx.zones.length) + ctx.zones.length) % ctx.zones.length : 0
      const zones = [...ctx.zones.slice(k), ...ctx.zones.slice(0, k)]
      return planService(shape, replicas, {
        ...ctx,
        zones,
        coolingZones: NO_ZONES,
        zoneChoice: 'in-turn'
      })
    }
  }
}
