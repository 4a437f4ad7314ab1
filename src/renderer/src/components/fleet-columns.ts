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
