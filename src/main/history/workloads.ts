// Desired state and controller leases, in the same history file as the events: a workload applied
// is stored before it is acknowledged, and a restart reads it back.
import type Database from 'better-sqlite3'

export type WorkloadKind = 'service' | 'job'

export interface StoredWorkload {
  name: string
  kind: WorkloadKind
  /** the validated spec as applied (JSON-compatible) */
  spec: unknown
  /** increases by one each time the spec changes; instances carry the generation they were launched for */
  generation: number
  createdAt: number
  updatedAt: number
  /** set once cancelled: the controller then drains and terminates the workload's instances */
  cancelledAt?: number
}

export type WorkloadChange = 'created' | 'updated' | 'unchanged' | 'restored'

export interface WorkloadStore {
  /** creates or updates; an identical spec is 'unchanged' and keeps its generation */
  apply(
    name: string,
    kind: WorkloadKind,
    spec: unknown,
    now: number
  ): { change: WorkloadChange; generation: number }
  /** what apply would change, and the generation it would give, without writing anything */
  preview(
    name: string,
    kind: WorkloadKind,
    spec: unknown
  ): { change: WorkloadChange; generation: number }
  /** false when there is no such active workload */
  cancel(name: string, now: number): boolean
  get(name: string): StoredWorkload | undefined
  list(opts?: { includeCancelled?: boolean }): StoredWorkload[]
}

export type LeaseResult = { ok: true } | { ok: false; holder: string; expiresAt: number }

/** One controller per fleet: the holder renews before expiresAt; anyone else is refused until it lapses. */
export interface LeaseStore {
  acquire(name: string, holder: string, now: number, ttlMs: number): LeaseResult
  release(name: string, holder: string): void
}

interface WorkloadRow {
  name: string
  kind: WorkloadKind
  spec: string
  generation: number
  created_at: number
  updated_at: number
  cancelled_at: number | null
}

const toWorkload = (r: WorkloadRow): StoredWorkload => ({
  name: r.name,
  kind: r.kind,
  spec: JSON.parse(r.spec) as unknown,
  generation: r.generation,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.cancelled_at === null ? {} : { cancelledAt: r.cancelled_at })
})

export function createWorkloadStore(db: Database.Database): WorkloadStore {
  const get = db.prepare<[string], WorkloadRow>('SELECT * FROM workloads WHERE name = ?')
  const insert = db.prepare(
    'INSERT INTO workloads (name, kind, spec, generation, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)'
  )
  const update = db.prepare(
    'UPDATE workloads SET kind = ?, spec = ?, generation = generation + 1, updated_at = ?, cancelled_at = NULL WHERE name = ?'
  )
  const cancel = db.prepare(
    'UPDATE workloads SET cancelled_at = ?, updated_at = ? WHERE name = ? AND cancelled_at IS NULL'
  )
  const listActive = db.prepare<[], WorkloadRow>(
    'SELECT * FROM workloads WHERE cancelled_at IS NULL ORDER BY name'
  )
  const listAll = db.prepare<[], WorkloadRow>('SELECT * FROM workloads ORDER BY name')
  /** the one rule for what applying `text` over the stored row changes */
  const changeOf = (
    row: WorkloadRow | undefined,
    kind: WorkloadKind,
    text: string
  ): { change: WorkloadChange; generation: number } => {
    if (!row) return { change: 'created', generation: 1 }
    if (row.spec === text && row.kind === kind && row.cancelled_at === null)
      return { change: 'unchanged', generation: row.generation }
    return {
      change: row.cancelled_at === null ? 'updated' : 'restored',
      generation: row.generation + 1
    }
  }
  const applyTx = db.transaction(
    (
      name: string,
      kind: WorkloadKind,
      text: string,
      now: number
    ): { change: WorkloadChange; generation: number } => {
      const row = get.get(name)
      const outcome = changeOf(row, kind, text)
      if (!row) insert.run(name, kind, text, now, now)
      else if (outcome.change !== 'unchanged') update.run(kind, text, now, name)
      return outcome
    }
  )
  return {
    apply: (name, kind, spec, now) => applyTx.immediate(name, kind, JSON.stringify(spec), now),
    preview: (name, kind, spec) => changeOf(get.get(name), kind, JSON.stringify(spec)),
    cancel: (name, now) => cancel.run(now, now, name).changes > 0,
    get: (name) => {
      const row = get.get(name)
      return row ? toWorkload(row) : undefined
    },
    list: (opts) => (opts?.includeCancelled ? listAll : listActive).all().map(toWorkload)
  }
}

export function createLeaseStore(db: Database.Database): LeaseStore {
  const get = db.prepare<[string], { holder: string; expires_at: number }>(
    'SELECT holder, expires_at FROM leases WHERE name = ?'
  )
  const put = db.prepare(
    'INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at'
  )
  const drop = db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?')
  // IMMEDIATE: two processes racing for a free lease serialise on SQLite's write lock
  const acquireTx = db.transaction(
    (name: string, holder: string, now: number, ttlMs: number): LeaseResult => {
      const row = get.get(name)
      if (row && row.holder !== holder && row.expires_at > now)
        return { ok: false, holder: row.holder, expiresAt: row.expires_at }
      put.run(name, holder, now + ttlMs)
      return { ok: true }
    }
  )
  return {
    acquire: (name, holder, now, ttlMs) => acquireTx.immediate(name, holder, now, ttlMs),
    release: (name, holder) => {
      drop.run(name, holder)
    }
  }
}
