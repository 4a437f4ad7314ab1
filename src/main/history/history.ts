import { createOnDemandPriceStore, type OnDemandPriceStore } from './ondemand-prices'
import Database from 'better-sqlite3'
import type {
  FleetEvent,
  FleetEventKind,
  ManagedInstance,
  SpotPricePoint
} from '../../shared/fleet'
import type { SimulationConfig, SimulationOutput } from '../../shared/simulation'
import {
  costByBucket,
  costByDay,
  rowCost,
  savingsPct,
  type BookedRow,
  type BucketCost
} from '../billing'
import {
  LIFECYCLE_KINDS,
  applyFleetEvent,
  eventInstanceId,
  launchSnapshot,
  type Fleet
} from './fleet-state'
import { createJobStateStore, type JobStateStore } from './job-state'
import { migrate } from './schema'
import {
  createLeaseStore,
  createWorkloadStore,
  type LeaseStore,
  type WorkloadStore
} from './workloads'
import { prepareStatements, type EventRow, type InstanceRow, type Statements } from './statements'
import { buildTraces, checkExportWindow, writeTraceFiles } from './trace-export'
import type {
  CostGrouping,
  CostRow,
  EventQuery,
  FailoverRecord,
  History,
  HistoryStats,
  HistoryTrace,
  InstanceRecord,
  OpenHistoryOptions,
  Replay,
  Savings,
  SimulationRun,
  SimulationRunSummary,
  SpotPriceFilter,
  StoredFailover,
  TimelineBucket,
  TraceExportOptions
} from './types'
import { requireFinite, requireWindow, validateEvent } from './validate'

/** Opens (creating and migrating if needed) the history file at path; ':memory:' for tests. */
export function openHistory(path: string, opts: OpenHistoryOptions = {}): History {
  const db = new Database(path)
  try {
    configure(db)
    migrate(db, path)
    return new SqliteHistory(db, opts.clock ?? Date.now)
  } catch (err) {
    db.close()
    throw err
  }
}

function configure(db: Database.Database): void {
  // WAL: the cockpit's reads never block the engine's writes, and a commit is an append to the log
  // rather than a rewrite of pages in place. With WAL, synchronous=NORMAL fsyncs at checkpoints
  // instead of at every commit: a crashed or killed process loses nothing it committed (the WAL is in
  // the OS page cache), and the file is never corrupted; only an OS crash or power cut can drop the
  // last few commits. For an event history that is worth commits an order of magnitude cheaper.
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  // another process (the CLI, a second cockpit) holding the write lock: wait rather than fail
  db.pragma('busy_timeout = 5000')
}

class SqliteHistory implements History {
  readonly workloads: WorkloadStore
  readonly leases: LeaseStore
  readonly jobs: JobStateStore
  readonly onDemandPrices: OnDemandPriceStore
  private readonly s: Statements
  private readonly ingest: (batch: readonly FleetEvent[]) => void
  private readonly insertOneTx: (e: FleetEvent) => number
  private readonly accrueTx: (
    id: string,
    from: number,
    to: number,
    price: number,
    od: number,
    scale: number
  ) => void
  private readonly spotTx: (points: readonly SpotPricePoint[]) => void

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => number
  ) {
    this.s = prepareStatements(db)
    this.workloads = createWorkloadStore(db)
    this.leases = createLeaseStore(db)
    this.jobs = createJobStateStore(db)
    this.onDemandPrices = createOnDemandPriceStore(db)
    // A batch is one transaction: one WAL append and one lock round for thousands of rows, and a
    // rejected event rolls the whole batch back so the log never holds half a batch.
    this.ingest = db.transaction((batch) => {
      for (let i = 0; i < batch.length; i++) this.insertOne(batch[i], i)
    })
    this.insertOneTx = db.transaction((e) => this.insertOne(e))
    this.accrueTx = db.transaction((id, from, to, price, od, scale) =>
      this.accrueInTx(id, from, to, price, od, scale)
    )
    this.spotTx = db.transaction((points) => {
      for (const p of points) this.insertSpotPrice(p)
    })
  }

  // ---- writes -------------------------------------------------------------------------------------

  recordEvent(e: FleetEvent): number {
    return this.insertOneTx(e)
  }

  recordEvents(batch: readonly FleetEvent[]): void {
    this.ingest(batch)
  }

  private insertOne(e: FleetEvent, index?: number): number {
    validateEvent(e, index)
    const instanceId = eventInstanceId(e) ?? null
    const data = e.data === undefined ? null : JSON.stringify(e.data)
    const id = Number(this.s.insertEvent.run(e.at, e.kind, instanceId, data).lastInsertRowid)
    // keep the instances table in step with the log, so costs and lookups know every launched instance
    if (e.kind === 'launch') this.seedFromLaunch(e)
    else if (e.kind === 'terminate' && instanceId !== null)
      this.s.terminateIfOpen.run(e.at, instanceId)
    return id
  }

  private seedFromLaunch(e: FleetEvent): void {
    const snapshot = launchSnapshot(e.data)
    if (!snapshot) return
    const instance = {
      ...snapshot,
      id: e.instanceId ?? snapshot.id,
      launchedAt: finiteOr(snapshot.launchedAt, e.at)
    }
    // an existing row is newer than a launch snapshot: only fill the gap
    if (isCompleteInstance(instance)) this.s.seedInstance.run(instanceParams(instance))
  }

  upsertInstance(instance: ManagedInstance): void {
    if (!isCompleteInstance(instance))
      throw new Error(`upsertInstance: incomplete instance ${JSON.stringify(instance)}`)
    this.s.upsertInstance.run(instanceParams(instance))
  }

  markTerminated(instanceId: string, atMs: number): void {
    requireFinite('markTerminated: atMs', atMs)
    if (this.s.markTerminated.run(atMs, instanceId).changes === 0)
      throw new Error(`markTerminated: unknown instance ${instanceId}`)
  }

  recordSpotPrices(points: readonly SpotPricePoint[]): void {
    this.spotTx(points)
  }

  private insertSpotPrice(p: SpotPricePoint): void {
    requireFinite('spot price time', p.at)
    if (!(p.price >= 0) || !Number.isFinite(p.price))
      throw new Error(`spot price must be >= 0, got ${p.price}`)
    this.s.insertSpotPrice.run(p.at, p.region, p.zone, p.instanceType, p.price)
  }

  accrue(
    instanceId: string,
    fromMs: number,
    toMs: number,
    pricePerHour: number,
    onDemandPricePerHour: number,
    timeScale = 1
  ): void {
    requireWindow(fromMs, toMs)
    if (!(timeScale > 0) || !Number.isFinite(timeScale))
      throw new Error(`timeScale must be > 0, got ${timeScale}`)
    for (const [name, v] of [
      ['pricePerHour', pricePerHour],
      ['onDemandPricePerHour', onDemandPricePerHour]
    ] as const) {
      requireFinite(name, v)
      if (v < 0) throw new Error(`${name} must be >= 0, got ${v}`)
    }
    if (toMs === fromMs) return // nothing elapsed
    this.accrueTx(instanceId, fromMs, toMs, pricePerHour, onDemandPricePerHour, timeScale)
  }

  /** Extends the open segment when the price is unchanged and contiguous, else starts a new one. */
  private accrueInTx(
    id: string,
    from: number,
    to: number,
    price: number,
    od: number,
    scale: number
  ): void {
    if (!this.s.getInstance.get(id))
      throw new Error(`accrue: unknown instance ${id}; upsert it first`)
    const last = this.s.lastLedgerRow.get(id) as
      | {
          id: number
          from_ms: number
          to_ms: number
          price_per_hour: number
          ondemand_price_per_hour: number
          time_scale: number
        }
      | undefined
    if (last && from < last.to_ms) {
      throw new Error(
        `accrue: ${id} is already accrued up to ${last.to_ms}; [${from}, ${to}) would bill twice`
      )
    }
    if (
      last &&
      last.to_ms === from &&
      last.price_per_hour === price &&
      last.ondemand_price_per_hour === od &&
      last.time_scale === scale
    ) {
      const extended = rowCost({
        fromMs: last.from_ms,
        toMs: to,
        pricePerHour: price,
        onDemandPricePerHour: od,
        timeScale: scale
      })
      this.s.extendLedgerRow.run(to, extended.cost, extended.ondemandCost, last.id)
      return
    }
    const booked = rowCost({
      fromMs: from,
      toMs: to,
      pricePerHour: price,
      onDemandPricePerHour: od,
      timeScale: scale
    })
    this.s.insertLedgerRow.run(id, from, to, price, od, booked.cost, booked.ondemandCost, scale)
  }

  billedUntil(instanceId: string): number | undefined {
    const last = this.s.lastLedgerRow.get(instanceId) as { to_ms: number } | undefined
    return last?.to_ms
  }

  recordFailover(f: FailoverRecord): number {
    requireWindow(f.startedAt, f.endedAt)
    const phases = f.phases.map((ph) => {
      requireWindow(ph.startedAt, ph.endedAt)
      return {
        name: ph.name,
        startedAt: ph.startedAt,
        endedAt: ph.endedAt,
        durationMs: ph.endedAt - ph.startedAt
      }
    })
    const info = this.s.insertFailover.run(
      f.instanceId,
      f.startedAt,
      f.endedAt,
      f.outcome,
      JSON.stringify(phases)
    )
    return Number(info.lastInsertRowid)
  }

  saveSimulationRun(name: string, config: SimulationConfig, output: SimulationOutput): number {
    const info = this.s.insertRun.run(
      this.clock(),
      name,
      JSON.stringify(config),
      JSON.stringify(output)
    )
    return Number(info.lastInsertRowid)
  }

  // ---- reads --------------------------------------------------------------------------------------

  getInstance(instanceId: string): InstanceRecord | undefined {
    const row = this.s.getInstance.get(instanceId) as InstanceRow | undefined
    return row && toRecord(row)
  }

  failoversBetween(fromMs: number, toMs: number): StoredFailover[] {
    requireWindow(fromMs, toMs)
    const rows = this.s.failoversBetween.all(fromMs, toMs) as {
      id: number
      instance_id: string
      started_at: number
      ended_at: number
      outcome: string
      phases: string
    }[]
    return rows.map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      outcome: r.outcome,
      phases: JSON.parse(r.phases)
    }))
  }

  listSimulationRuns(): SimulationRunSummary[] {
    const rows = this.s.listRuns.all() as { id: number; created_at: number; name: string }[]
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, name: r.name }))
  }

  getSimulationRun(id: number): SimulationRun | undefined {
    const r = this.s.getRun.get(id) as
      { id: number; created_at: number; name: string; config: string; results: string } | undefined
    return (
      r && {
        id: r.id,
        createdAt: r.created_at,
        name: r.name,
        config: JSON.parse(r.config),
        output: JSON.parse(r.results)
      }
    )
  }

  eventsBetween(fromMs: number, toMs: number, opts: EventQuery = {}): FleetEvent[] {
    requireWindow(fromMs, toMs)
    const params = {
      from: fromMs,
      to: toMs,
      kinds: opts.kinds ? JSON.stringify(opts.kinds) : null,
      limit: opts.limit ?? -1, // SQLite: a negative LIMIT is no limit
      ...(opts.instanceId !== undefined && { instanceId: opts.instanceId })
    }
    const stmt = opts.instanceId !== undefined ? this.s.instanceEventsBetween : this.s.eventsBetween
    return (stmt.all(params) as EventRow[]).map(toEvent)
  }

  timeline(fromMs: number, toMs: number, bucketMs: number): TimelineBucket[] {
    requireWindow(fromMs, toMs)
    if (!Number.isInteger(bucketMs) || bucketMs <= 0)
      throw new Error(`bucketMs must be a positive integer, got ${bucketMs}`)
    const rows = this.s.timeline.all({ from: fromMs, to: toMs, bucket: bucketMs }) as {
      instanceId: string | null
      bucket: number
      kind: FleetEventKind
      count: number
    }[]
    return rows.map((r) => ({
      instanceId: r.instanceId,
      at: r.bucket,
      kind: r.kind,
      count: r.count
    }))
  }

  costBy(grouping: CostGrouping, fromMs: number, toMs: number): CostRow[] {
    requireWindow(fromMs, toMs)
    const window = { from: fromMs, to: toMs }
    if (grouping === 'day')
      return costByDay(this.s.ledgerSegments.iterate(window) as Iterable<BookedRow>, fromMs, toMs)
    const stmt = {
      instance: this.s.costByInstance,
      type: this.s.costByType,
      zone: this.s.costByZone
    }[grouping]
    if (!stmt) throw new Error(`costBy: unknown grouping ${String(grouping)}`)
    return stmt.all(window) as CostRow[]
  }

  costSeries(fromMs: number, toMs: number, bucketMs: number): BucketCost[] {
    requireWindow(fromMs, toMs)
    requireFinite('bucketMs', bucketMs)
    const rows = this.s.ledgerSegments.iterate({ from: fromMs, to: toMs }) as Iterable<BookedRow>
    return costByBucket(rows, fromMs, toMs, bucketMs)
  }

  savings(fromMs: number, toMs: number): Savings {
    requireWindow(fromMs, toMs)
    const r = this.s.costTotal.get({ from: fromMs, to: toMs }) as {
      cost: number | null
      ondemandCost: number | null
    }
    const cost = r.cost ?? 0
    const ondemandCost = r.ondemandCost ?? 0
    return { cost, ondemandCost, savingsPct: savingsPct(cost, ondemandCost) }
  }

  spotPrices(fromMs: number, toMs: number, filter: SpotPriceFilter = {}): SpotPricePoint[] {
    requireWindow(fromMs, toMs)
    const params = {
      from: fromMs,
      to: toMs,
      region: filter.region ?? null,
      zone: filter.zone ?? null,
      type: filter.instanceType ?? null,
      limit: filter.limit ?? -1
    }
    return this.s.spotPrices.all(params) as SpotPricePoint[]
  }

  fleetAt(instantMs: number): ManagedInstance[] {
    requireFinite('fleetAt: instantMs', instantMs)
    return this.fleetState(instantMs, true)
  }

  replay(fromMs: number, toMs: number): Replay {
    requireWindow(fromMs, toMs)
    return {
      fromMs,
      toMs,
      initial: this.fleetState(fromMs, false),
      events: this.eventsBetween(fromMs, toMs)
    }
  }

  exportTrace(
    fromMs: number,
    toMs: number,
    opts: TraceExportOptions = {}
  ): Record<string, HistoryTrace> {
    requireWindow(fromMs, toMs)
    const gapSeconds = opts.gapSeconds ?? 300
    checkExportWindow(fromMs, toMs, gapSeconds) // before any query: a refused window costs nothing
    // only the events that change the fleet: a long window need not load its checkpoints
    const events = this.eventsBetween(fromMs, toMs, { kinds: LIFECYCLE_KINDS })
    const initial = this.fleetState(fromMs, false)
    return buildTraces({
      initial,
      events,
      fromMs,
      toMs,
      gapSeconds,
      zone: opts.zone,
      lookup: this.lookup
    })
  }

  exportTraceFiles(
    dir: string,
    fromMs: number,
    toMs: number,
    opts: TraceExportOptions = {}
  ): string[] {
    return writeTraceFiles(dir, this.exportTrace(fromMs, toMs, opts))
  }

  stats(): HistoryStats {
    return this.s.stats.get() as HistoryStats
  }

  close(): void {
    this.db.close()
  }

  // ---- fleet reconstruction ------------------------------------------------------------------------

  /** The fleet after the events at < t (inclusive: at <= t), each instance priced as at t. */
  private fleetState(t: number, inclusive: boolean): ManagedInstance[] {
    const q = inclusive ? this.s.fleetAt : this.s.fleetBefore
    const fleet: Fleet = new Map()
    for (const { id } of q.live.all({ t }) as { id: string }[]) {
      for (const row of q.lifecycle.iterate({ id, t }) as Iterable<EventRow>)
        applyFleetEvent(fleet, toEvent(row), this.lookup)
    }
    return [...fleet.values()]
      .map((i) => ({ ...i, pricePerHour: this.priceAt(i, t) }))
      .sort((a, b) => a.launchedAt - b.launchedAt || (a.id < b.id ? -1 : 1))
  }

  /** Attributes for a launch: the instances row, over what the launch event carried. */
  private readonly lookup = (id: string, launch: FleetEvent): ManagedInstance | undefined => {
    const record = this.getInstance(id)
    const snapshot = launchSnapshot(launch.data)
    if (!record && !snapshot) return undefined
    return {
      ...snapshot,
      ...record,
      pricePerHour: snapshot?.pricePerHour ?? 0,
      state: snapshot?.state ?? 'pending'
    } as ManagedInstance
  }

  /** The price in force at t: what the ledger billed, else the spot feed, else the list price. */
  private priceAt(i: ManagedInstance, t: number): number {
    const billed = this.s.ledgerPriceAt.get(i.id, t, t) as { price: number } | undefined
    if (billed) return billed.price
    if (i.market === 'ondemand') return i.onDemandPricePerHour
    const spot = this.s.spotPriceAt.get(i.zone, i.instanceType, t) as { price: number } | undefined
    return spot?.price ?? i.pricePerHour
  }
}

function toEvent(r: EventRow): FleetEvent {
  const e: FleetEvent = { id: r.id, at: r.at, kind: r.kind as FleetEventKind }
  if (r.instance_id !== null) e.instanceId = r.instance_id
  if (r.data !== null) e.data = JSON.parse(r.data)
  return e
}

function toRecord(r: InstanceRow): InstanceRecord {
  const rec: InstanceRecord = {
    id: r.id,
    name: r.name,
    provider: r.provider as InstanceRecord['provider'],
    region: r.region,
    zone: r.zone,
    instanceType: r.type,
    market: r.market as InstanceRecord['market'],
    gpus: r.gpus,
    gpuMemoryGiB: r.gpu_memory_gib,
    onDemandPricePerHour: r.ondemand_price,
    launchedAt: r.launched_at,
    tags: JSON.parse(r.tags)
  }
  if (r.terminated_at !== null) rec.terminatedAt = r.terminated_at
  if (r.model !== null) rec.model = r.model
  return rec
}

function instanceParams(i: InstanceRecord): Record<string, unknown> {
  return {
    id: i.id,
    name: i.name,
    provider: i.provider,
    region: i.region,
    zone: i.zone,
    type: i.instanceType,
    market: i.market,
    gpus: i.gpus,
    gpuMemoryGiB: i.gpuMemoryGiB,
    onDemandPrice: i.onDemandPricePerHour,
    launchedAt: i.launchedAt,
    terminatedAt: i.terminatedAt ?? null,
    tags: JSON.stringify(i.tags ?? {}),
    model: i.model ?? null
  }
}

function isCompleteInstance(i: Partial<ManagedInstance>): boolean {
  const strings = [i.id, i.name, i.provider, i.region, i.zone, i.instanceType, i.market]
  const numbers = [i.gpus, i.gpuMemoryGiB, i.onDemandPricePerHour, i.launchedAt]
  return (
    strings.every((v) => typeof v === 'string') &&
    numbers.every((v) => typeof v === 'number' && Number.isFinite(v))
  )
}

function finiteOr(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback
}
