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
