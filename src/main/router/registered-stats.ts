// Router figures for a router that sees no requests (an ELBv2 target group: the load balancer holds
// them, in CloudWatch): each registered replica, and per service how many are registered.
import type { ReplicaEndpoint, ReplicaStats, ServiceStats } from './types'

export function registeredStats(
  replicas: Iterable<ReplicaEndpoint>,
  extra: Pick<ServiceStats, 'targetGroupArn'> = {},
  declared: readonly { service: string; model: string }[] = []
): { replicas: ReplicaStats[]; services: ServiceStats[] } {
  const services = new Map<string, ServiceStats>()
  const entry = (service: string, model: string): ServiceStats => ({
    service,
    model,
    ready: 0,
    requests: 0,
    errors: 0,
    requestsPerSecond: 0,
    p50Ms: null,
    p99Ms: null,
    ...extra
  })
  for (const d of declared) services.set(d.service, entry(d.service, d.model))
  const listed: ReplicaStats[] = []
  for (const r of replicas) {
    listed.push({
      id: r.id,
      service: r.service,
      requests: 0,
      errors: 0,
      inFlight: 0,
      p50Ms: null,
      p99Ms: null,
      registered: true,
      ejected: false
    })
    const s = services.get(r.service) ?? entry(r.service, r.model)
    s.ready++
    services.set(r.service, s)
  }
  return { replicas: listed, services: [...services.values()] }
}
