import type { FleetEvent, ManagedInstance } from '../../shared/fleet'

/**
 * What changed between the fleet we knew and the provider's listing: instances seen for the first
 * time (launched outside Synkti, or before a restart), pending → running, and instances that are
 * gone. `recorded` says whether history already knows an instance (Synkti's own launches are
 * recorded when they happen, so they get no second 'launch').
 */
export function diffFleet(
  known: ReadonlyMap<string, ManagedInstance>,
  listed: readonly ManagedInstance[],
  now: number,
  recorded: (id: string) => boolean
): FleetEvent[] {
  const events: FleetEvent[] = []
  const seen = new Set<string>()
  for (const instance of listed) {
    seen.add(instance.id)
    const before = known.get(instance.id)
    if (!before && !recorded(instance.id)) {
      events.push({
        at: now,
        kind: 'launch',
        instanceId: instance.id,
        data: { instance, discovered: true }
      })
    }
    // `known` starts from history's fleet at start-up, so a restart does not repeat 'running'
    if (instance.state === 'running' && (!before || before.state === 'pending'))
      events.push({ at: now, kind: 'running', instanceId: instance.id })
  }
  for (const [id, instance] of known) {
    if (!seen.has(id))
      events.push({
        at: now,
        kind: 'terminate',
        instanceId: id,
        data: { zone: instance.zone, market: instance.market }
      })
  }
  return events
}
