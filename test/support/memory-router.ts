// A RouterPort that only keeps its registrations in memory, listing every declared service the way
// the built-in router does (ready 0 until a replica registers); for tests of code above the router.
import { registeredStats } from '../../src/main/router/registered-stats'
import type { ReplicaEndpoint, RouterPort } from '../../src/main/router/types'

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
    stats: () =>
      registeredStats(
        registered.values(),
        o.targetGroupArn ? { targetGroupArn: o.targetGroupArn } : {},
        o.declared
      )
  }
}
