// The router each service chose: the built-in HTTP router, or an ELBv2 target group (the workload's
// `router: { targetGroupArn }`). One RouterPort for the controller; a replica is deregistered from
// wherever it was registered, so a service that changes its router between passes leaks nothing.

import type { ReplicaEndpoint, RouterPort } from './types'

export interface PerServiceRouterOptions {
  builtin: RouterPort
  /** the target group ARN a service routes through, or undefined for the built-in router */
  targetGroupOf(service: string): string | undefined
  /** the port for one target group (called once per ARN) */
  targetGroup(arn: string): RouterPort
}

export function createPerServiceRouter(o: PerServiceRouterOptions): RouterPort {
  const groups = new Map<string, RouterPort>()
  const portOf = (arn: string): RouterPort => {
    let port = groups.get(arn)
    if (!port) groups.set(arn, (port = o.targetGroup(arn)))
    return port
  }
  const ports = (): RouterPort[] => [o.builtin, ...groups.values()]
  /** where each replica was registered */
  const home = new Map<string, RouterPort>()

  return {
    async register(replica: ReplicaEndpoint) {
      const arn = o.targetGroupOf(replica.service)
      const port = arn ? portOf(arn) : o.builtin
      const before = home.get(replica.id)
      if (before && before !== port) await before.deregister(replica.id)
      await port.register(replica)
      home.set(replica.id, port)
    },
    async deregister(id) {
      const port = home.get(id)
      if (port) await port.deregister(id)
      else {
        // registered before a restart, or never: ask every port (each deregister is idempotent)
        for (const p of ports()) await p.deregister(id)
      }
      home.delete(id)
    },
    inFlight: (id) => (home.get(id) ?? o.builtin).inFlight(id),
    replicas: () => ports().flatMap((p) => p.replicas()),
    stats() {
      const all = ports().map((p) => p.stats())
      // the built-in router lists every declared service; one a target group routes is that group's
      const [builtin, ...groupStats] = all
      return {
        replicas: all.flatMap((s) => s.replicas),
        services: [
          ...builtin.services.filter((s) => o.targetGroupOf(s.service) === undefined),
          ...groupStats.flatMap((s) => s.services)
        ]
      }
    }
  }
}
