import type { ManagedInstance } from '@shared/fleet'
import type { Column } from './table'

/** Columns of the compact fleet tables that show the fleet at a past instant (Timeline, Replay). */
export const FLEET_SNAPSHOT_COLUMNS: readonly Column<ManagedInstance>[] = [
  { key: 'name', label: 'Name', sort: (i) => i.name || i.id },
  { key: 'id', label: 'ID', class: 'mono', sort: (i) => i.id },
  { key: 'instanceType', label: 'Type', sort: (i) => i.instanceType },
  { key: 'zone', label: 'Zone', sort: (i) => i.zone },
  { key: 'market', label: 'Market', sort: (i) => i.market },
  { key: 'state', label: 'State', sort: (i) => i.state },
  { key: 'pricePerHour', label: 'Price', numeric: true, sort: (i) => i.pricePerHour }
]

// ---- the Fleet view's column chooser ------------------------------------------------------------

/** Columns of the Fleet table a person may hide; name and actions always stay. */
export const FLEET_OPTIONAL_COLUMNS: readonly { key: string; label: string }[] = [
  { key: 'workload', label: 'Workload' },
  { key: 'instanceType', label: 'Type' },
  { key: 'market', label: 'Market' },
  { key: 'state', label: 'State' },
  { key: 'pricePerHour', label: 'Price' },
  { key: 'costSoFar', label: 'Cost' },
  { key: 'model', label: 'Model' }
]

export const FLEET_COLUMNS_STORAGE_KEY = 'synkti.fleet.hiddenColumns'

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>

/** The hidden optional columns remembered on this machine; none when nothing (or nonsense) is stored. */
export function loadHiddenColumns(store: KeyValueStore | undefined): string[] {
  const raw = store?.getItem(FLEET_COLUMNS_STORAGE_KEY)
  if (!raw) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (err) {
    if (err instanceof SyntaxError) return [] // written by something else: start with every column
    throw err
  }
  const known = new Set(FLEET_OPTIONAL_COLUMNS.map((c) => c.key))
  return Array.isArray(parsed)
    ? parsed.filter((k): k is string => typeof k === 'string' && known.has(k))
    : []
}

/** Remembers the hidden columns; a store that refuses (private mode, quota) keeps them for the session only. */
export function saveHiddenColumns(
  store: KeyValueStore | undefined,
  hidden: readonly string[]
): boolean {
  if (!store) return false
  try {
    store.setItem(FLEET_COLUMNS_STORAGE_KEY, JSON.stringify([...hidden]))
    return true
  } catch (err) {
    if (err instanceof DOMException) return false
    throw err
  }
}
