import type { FleetEvent } from '../../shared/fleet'
import type { CostRow, History } from './types'

/** The synkti:workload tag an instance was launched with (controller/tags.ts names it). */
const WORKLOAD_TAG = 'synkti:workload'

/** Cost per workload: the ledger per instance, grouped by the instance's workload tag. */
export function costsByWorkload(history: History, from: number, to: number): CostRow[] {
  const rows = new Map<string, CostRow>()
  for (const r of history.costBy('instance', from, to)) {
    const key = history.getInstance(r.key)?.tags[WORKLOAD_TAG] ?? '(no workload)'
    const row = rows.get(key) ?? { key, cost: 0, ondemandCost: 0, instanceHours: 0 }
    row.cost += r.cost
    row.ondemandCost += r.ondemandCost
    row.instanceHours += r.instanceHours
    rows.set(key, row)
  }
  return [...rows.values()].sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key))
}

/** How far back a workload's events are looked for. */
const EVENTS_WINDOW_MS = 30 * 86_400_000

/**
 * A workload's events, newest last, at most `limit`: those that name it (failover phases) and those
 * of its instances. Each instance is looked up once per call, however many events it has.
 */
export function eventsOfWorkload(
  history: History,
  name: string,
  now: number,
  limit: number
): FleetEvent[] {
  const owner = new Map<string, string | undefined>()
  const workloadOf = (id: string): string | undefined => {
    if (!owner.has(id)) owner.set(id, history.getInstance(id)?.tags[WORKLOAD_TAG])
    return owner.get(id)
  }
  return history
    .eventsBetween(now - EVENTS_WINDOW_MS, now + 1, { limit: 100_000 })
    .filter(
      (e) =>
        e.data?.workload === name ||
        (e.instanceId !== undefined && workloadOf(e.instanceId) === name)
    )
    .slice(-limit)
}
