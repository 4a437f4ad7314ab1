// Failovers as phases in history: noticed -> draining -> replacement chosen -> replacement ready ->
// routed -> done (or failed, with the reason). Every phase is an event the moment it happens, so a
// restart reads the open failovers back and carries them on instead of starting them again.
import type { FleetEvent } from '../../shared/fleet'
import type { History } from '../history'
import type { Role } from './tags'

export const FAILOVER_PHASES = [
  'noticed',
  'draining',
  'drained',
  'replacement-chosen',
  'replacement-ready',
  'routed'
] as const
export type FailoverPhase = (typeof FAILOVER_PHASES)[number]

export interface OpenFailover {
  /** the instance that got the notice (or vanished without one) */
  instanceId: string
  workload: string
  role: Role
  startedAt: number
  /** reclaimed without a notice being seen */
  missed: boolean
  replacement?: string
  marks: Map<FailoverPhase, number>
}

/** How far back a restart looks for failovers still open. */
const RECOVERY_WINDOW_MS = 24 * 3_600_000
const RECOVERY_LIMIT = 50_000

export interface FailoverBook {
  open(o: {
    instanceId: string
    workload: string
    role: Role
    at: number
    missed: boolean
    deadline?: number
  }): OpenFailover
  get(instanceId: string): OpenFailover | undefined
  mark(instanceId: string, phase: FailoverPhase, at: number, data?: Record<string, unknown>): void
  end(instanceId: string, outcome: 'ok' | 'failed', at: number, reason?: string): void
  /** serving failovers of the workload still without a replacement, oldest first */
  unanswered(workload: string): string[]
  /** failovers of the workload that ended ok (over the recovery window before a restart, and since) */
  recoveries(workload: string): number
  all(): OpenFailover[]
}

export function createFailoverBook(
  history: History,
  record: (e: FleetEvent) => void,
  now: number
): FailoverBook {
  const open = new Map<string, OpenFailover>()
  const recovered = new Map<string, number>()
  const countRecovery = (workload: string): void =>
    void recovered.set(workload, (recovered.get(workload) ?? 0) + 1)

  // re-read what an earlier run left open
  const events = history.eventsBetween(Math.max(0, now - RECOVERY_WINDOW_MS), now + 1, {
    kinds: ['failover-phase', 'failover-end'],
    limit: RECOVERY_LIMIT
  })
  for (const e of events) {
    const d = e.data ?? {}
    const id = e.instanceId
    if (!id || typeof d.workload !== 'string') continue
    if (e.kind === 'failover-end') {
      open.delete(id)
      if (d.outcome === 'ok') countRecovery(d.workload)
      continue
    }
    const phase = d.phase as FailoverPhase
    let f = open.get(id)
    if (!f && phase === 'noticed') {
      f = {
        instanceId: id,
        workload: d.workload,
        role: (d.role as Role) ?? 'serving',
        startedAt: e.at,
        missed: d.missed === true,
        marks: new Map()
      }
      open.set(id, f)
    }
    if (!f) continue
    f.marks.set(phase, e.at)
    if (phase === 'replacement-chosen' && typeof d.replacement === 'string')
      f.replacement = d.replacement
  }

  const mark: FailoverBook['mark'] = (instanceId, phase, at, data = {}) => {
    const f = open.get(instanceId)
    if (!f || f.marks.has(phase)) return
    f.marks.set(phase, at)
    if (phase === 'replacement-chosen' && typeof data.replacement === 'string')
      f.replacement = data.replacement
    record({
      at,
      kind: 'failover-phase',
      instanceId,
      data: { workload: f.workload, role: f.role, phase, ...data }
    })
  }

  return {
    open(o) {
      const existing = open.get(o.instanceId)
      if (existing) return existing
      const f: OpenFailover = {
        instanceId: o.instanceId,
        workload: o.workload,
        role: o.role,
        startedAt: o.at,
        missed: o.missed,
        marks: new Map()
      }
      open.set(o.instanceId, f)
      mark(o.instanceId, 'noticed', o.at, {
        missed: o.missed,
        ...(o.deadline ? { deadline: o.deadline } : {})
      })
      return f
    },
    get: (id) => open.get(id),
    mark,
    end(instanceId, outcome, at, reason) {
      const f = open.get(instanceId)
      if (!f) return
      open.delete(instanceId)
      if (outcome === 'ok') countRecovery(f.workload)
      // each phase lasts from the mark before it in time to its own mark (a spare can be promoted
      // before the drain of the noticed instance has started)
      const ordered = FAILOVER_PHASES.filter((p) => f.marks.has(p))
        .map((p) => [p, f.marks.get(p)!] as const)
        .sort((a, b) => a[1] - b[1])
      const phases = ordered.map(([name, endedAt], k) => ({
        name,
        startedAt: k === 0 ? f.startedAt : ordered[k - 1][1],
        endedAt
      }))
      record({
        at,
        kind: 'failover-end',
        instanceId,
        data: {
          workload: f.workload,
          role: f.role,
          outcome,
          replacement: f.replacement,
          missed: f.missed,
          ...(reason ? { reason } : {})
        }
      })
      history.recordFailover({
        instanceId,
        startedAt: f.startedAt,
        endedAt: at,
        outcome,
        phases
      })
    },
    unanswered: (workload) =>
      [...open.values()]
        .filter((f) => f.workload === workload && f.role === 'serving' && !f.replacement)
        .sort((a, b) => a.startedAt - b.startedAt || a.instanceId.localeCompare(b.instanceId))
        .map((f) => f.instanceId),
    all: () => [...open.values()],
    recoveries: (workload) => recovered.get(workload) ?? 0
  }
}
