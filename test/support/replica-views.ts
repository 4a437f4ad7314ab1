// Replica views for service-plan tests: a running, ready, routed spot replica in zone z-a unless told
// otherwise, each with the next id and launch time (the counter belongs to the factory).
import type { ReplicaView } from '../../src/main/policies/service-plan'

export const PLAN_ZONES = ['z-a', 'z-b', 'z-c']

/** the plan context of a quiet market over PLAN_ZONES */
export const quietPlanContext = () => ({
  zones: PLAN_ZONES,
  coolingZones: new Set<string>(),
  spotUnavailable: false,
  unansweredNotices: [] as string[]
})

export function replicaFactory(): (over?: Partial<ReplicaView>) => ReplicaView {
  let seq = 0
  return (over = {}) => {
    seq++
    return {
      id: `i-${seq}`,
      role: 'serving',
      market: 'spot',
      zone: 'z-a',
      state: 'running',
      launchedAt: seq,
      leaving: false,
      ready: true,
      serving: true,
      routed: true,
      fallback: false,
      ...over
    }
  }
}
