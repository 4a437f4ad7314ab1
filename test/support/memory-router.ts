// A RouterPort that only keeps its registrations in memory, listing every declared service the way
// the built-in router does (ready 0 until a replica registers); for tests of code above the router.
import type { ReplicaEndpoint, RouterPort, ServiceStats } from '../../src/main/router/types'

export function memoryRouter(
  o: { declared?: { service: string; model: string }[]; targetGroupArn?: string } = {}
): RouterPort & { deregistered: string[] } {
  const registered = new Map<string, ReplicaEndpoint>()
  const deregistered: string[] = []
  return {
    deregistered,
    async register(replica) {
      registered.set(replica.id, replica)
    },
    async deregister(id) {
      registered.delete(id)
      deregistered.push(id)
    },
    inFlight: () => 0,
    replicas: () => [...registered.values()],
    stats() {
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
        ...(o.targetGroupArn ? { targetGroupArn: o.targetGroupArn } : {})
      })
      for (const d of o.declared ?? []) services.set(d.service, entry(d.service, d.model))
      for (const r of registered.values()) {
        const s = services.get(r.service) ?? entry(r.service, r.model)
        s.ready++
        services.set(r.service, s)
      }
      return {
        replicas: [...registered.values()].map((r) => ({
          id: r.id,
          service: r.service,
          requests: 0,
          errors: 0,
          inFlight: 0,
          p50Ms: null,
          p99Ms: null,
          registered: true,
          ejected: false
        })),
        services: [...services.values()]
      }
    }
  }
}
