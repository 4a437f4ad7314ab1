// History: the fleet's event log, costs, spot prices, failovers and simulation runs in one SQLite
// file, with the queries the cockpit needs. Plain Node: never imports electron.
export { openHistory } from './history'
export { HistoryWriteError, writeFailureReason } from './write-error'
export {
  DAEMON_LEASE,
  DAEMON_LEASE_TTL_MS,
  DaemonLockRefused,
  takeDaemonLock,
  type DaemonLock
} from './daemon-lock'
export {
  LIFECYCLE_KINDS,
  applyFleetEvent,
  isAvailableSpot,
  launchSnapshot,
  type Fleet,
  type InstanceLookup
} from './fleet-state'
export type { JobStateStore } from './job-state'
export type { OnDemandPriceRow, OnDemandPriceStore } from './ondemand-prices'
export { MIGRATIONS, SCHEMA_VERSION } from './schema'
export { costsByWorkload, eventsOfWorkload } from './workload-queries'
export type * from './types'
export type {
  LeaseResult,
  LeaseStore,
  StoredWorkload,
  WorkloadChange,
  WorkloadKind,
  WorkloadStore
} from './workloads'
