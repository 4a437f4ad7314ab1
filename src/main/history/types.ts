import type { BucketCost } from '../billing'
import type { JobStateStore } from './job-state'
import type { OnDemandPriceStore } from './ondemand-prices'
import type { LeaseStore, WorkloadStore } from './workloads'
import type {
  FleetEvent,
  FleetEventKind,
  ManagedInstance,
  SpotPricePoint
} from '../../shared/fleet'
import type { SimulationConfig, SimulationOutput } from '../../shared/simulation'

export interface OpenHistoryOptions {
  /** ms since the epoch; stamps rows the caller does not time (simulation runs). Default Date.now */
  clock?: () => number
}

export interface EventQuery {
  kinds?: readonly FleetEventKind[]
  instanceId?: string
  /** at most this many events, oldest first */
  limit?: number
}

export type CostGrouping = 'day' | 'instance' | 'type' | 'zone'

export interface CostRow {
  /** UTC day (YYYY-MM-DD), instance id, instance type or zone */
  key: string
  /** $ actually accrued in the window */
  cost: number
  /** $ the same instance-hours would have cost on demand */
  ondemandCost: number
  instanceHours: number
}

export interface Savings {
  cost: number
  ondemandCost: number
  /** 100 * (1 - cost / ondemandCost); 0 when nothing accrued */
  savingsPct: number
}

export interface SpotPriceFilter {
  region?: string
  zone?: string
  instanceType?: string
  /** at most this many points, the newest of the window; default all */
  limit?: number
}

/** What history keeps of an instance; its state and price at an instant come from fleetAt. */
export type InstanceRecord = Omit<
  ManagedInstance,
  'state' | 'pricePerHour' | 'noticeDeadline' | 'standby'
>

export interface FailoverPhase {
  name: string
  startedAt: number
  endedAt: number
}

export interface FailoverRecord {
  id?: number
  /** the instance that was interrupted */
  instanceId: string
  startedAt: number
  endedAt: number
  /** e.g. 'recovered', 'failed', 'aborted': the failover engine's own words */
  outcome: string
  phases: FailoverPhase[]
}

/** A stored phase carries its duration so reports need not recompute it. */
export interface StoredFailoverPhase extends FailoverPhase {
  durationMs: number
}

export interface StoredFailover extends Omit<FailoverRecord, 'phases'> {
  id: number
  phases: StoredFailoverPhase[]
}

export interface SimulationRunSummary {
  id: number
  createdAt: number
  name: string
}

export interface SimulationRun extends SimulationRunSummary {
  config: SimulationConfig
  output: SimulationOutput
}

export interface Replay {
  fromMs: number
  toMs: number
  /** the fleet as it stood at fromMs, before any event of the window */
  initial: ManagedInstance[]
  /** the window's events in order; fold them with applyFleetEvent to step through */
  events: FleetEvent[]
}

export interface TraceExportOptions {
  /** tick spacing; default 300 */
  gapSeconds?: number
  /** only this zone (exported even when the fleet had nothing there) */
  zone?: string
}

/** The trace JSON layout of /work/shared/traces/README.md, `available` convention. */
export interface HistoryTrace {
  metadata: {
    gap_seconds: number
    start_time: string
    zone: string
    convention: 'available'
    /**
     * false: the counts are the fleet's own instances, not a 0/1 capacity probe, so a zone that only
     * ever held one instance is not read as a probe trace and scaled to the importer's binaryCapacity
     */
    binary: false
    source: 'synkti-history'
  }
  /** spot instances of the fleet running and not under notice in the zone, per tick */
  data: number[]
}

export interface TimelineBucket {
  instanceId: string | null
  /** bucket start, ms */
  at: number
  kind: FleetEventKind
  count: number
}

export interface HistoryStats {
  events: number
  instances: number
  spotPrices: number
  billingRows: number
  failovers: number
  simulationRuns: number
}

export interface History {
  recordEvent(e: FleetEvent): number
  /** one transaction: the batched ingest path */
  recordEvents(batch: readonly FleetEvent[]): void
  upsertInstance(instance: ManagedInstance): void
  markTerminated(instanceId: string, atMs: number): void
  getInstance(instanceId: string): InstanceRecord | undefined
  recordSpotPrices(points: readonly SpotPricePoint[]): void
  /** timeScale: billed time per wall time, 1 on a real cloud (the sandbox's clock runs faster) */
  accrue(
    instanceId: string,
    fromMs: number,
    toMs: number,
    pricePerHour: number,
    onDemandPricePerHour: number,
    timeScale?: number
  ): void
  recordFailover(f: FailoverRecord): number
  failoversBetween(fromMs: number, toMs: number): StoredFailover[]
  saveSimulationRun(name: string, config: SimulationConfig, output: SimulationOutput): number
  listSimulationRuns(): SimulationRunSummary[]
  getSimulationRun(id: number): SimulationRun | undefined

  /** events with fromMs <= at < toMs, oldest first */
  eventsBetween(fromMs: number, toMs: number, opts?: EventQuery): FleetEvent[]
  /** event counts per instance, kind and bucket of bucketMs, for swimlane timelines */
  timeline(fromMs: number, toMs: number, bucketMs: number): TimelineBucket[]
  costBy(grouping: CostGrouping, fromMs: number, toMs: number): CostRow[]
  /** spend per bucket of bucketMs from fromMs, every bucket present, oldest first */
  costSeries(fromMs: number, toMs: number, bucketMs: number): BucketCost[]
  savings(fromMs: number, toMs: number): Savings
  spotPrices(fromMs: number, toMs: number, filter?: SpotPriceFilter): SpotPricePoint[]
  /** the fleet at an instant, rebuilt from the event log (events at exactly instantMs included) */
  fleetAt(instantMs: number): ManagedInstance[]
  replay(fromMs: number, toMs: number): Replay
  exportTrace(fromMs: number, toMs: number, opts?: TraceExportOptions): Record<string, HistoryTrace>
  /** writes <zone>.json per zone into dir; returns the paths written */
  exportTraceFiles(dir: string, fromMs: number, toMs: number, opts?: TraceExportOptions): string[]
  stats(): HistoryStats
  /** end of the last billed segment of an instance, or undefined when it was never billed */
  billedUntil(instanceId: string): number | undefined
  /** desired state: the workloads as applied */
  readonly workloads: WorkloadStore
  /** one controller per fleet */
  readonly leases: LeaseStore
  /** live state of deadline jobs */
  readonly jobs: JobStateStore
  /** on-demand prices as last read from the AWS Price List API */
  readonly onDemandPrices: OnDemandPriceStore
  close(): void
}
