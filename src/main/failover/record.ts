// What a failover leaves behind: one timed record per phase ('failover-phase' events) and one
// whole record at the end ('failover-end'), so history can show where the time went and why a
// failover failed.
import type { DrainResult, FleetEvent, InterruptionKind } from '../../shared/fleet'
import { errorText } from '../../shared/errors'
import type { CheckpointPlan } from '../checkpoint/plan'
import type { Clock } from '../clock'
import type { StrategyName } from '../placement/strategies'
import { safeRecord } from './launcher'

export const FAILOVER_PHASES = [
  'checkpoint',
  'drain',
  'select',
  'spawn',
  'start-serving',
  'health-check',
  'route'
] as const
export type FailoverPhase = (typeof FAILOVER_PHASES)[number]
export type PhaseOutcome = 'ok' | 'failed' | 'skipped'

export interface PhaseRecord {
  phase: FailoverPhase
  startedAt: number
  endedAt: number
  durationMs: number
  outcome: PhaseOutcome
  /** why it failed or was skipped */
  reason?: string
  detail?: Record<string, unknown>
}

/** How the new home was found: a promoted spare, a free slot on a running instance, or a launch. */
export type TargetVia = 'standby' | 'existing' | 'spot' | 'ondemand'

export interface FailoverTarget {
  instanceId: string
  via: TargetVia
  instanceType: string
  zone: string
}

export interface FailoverRecord {
  instanceId: string
  kind: InterruptionKind
  /** when the noticed instance is reclaimed */
  noticeDeadline: number
  startedAt: number
  endedAt: number
  durationMs: number
  outcome: PhaseOutcome
  /** for 'failed' and 'skipped': the phase and what went wrong, in words an operator can act on */
  reason?: string
  model?: string
  target?: FailoverTarget
  /** how the target was chosen, and how many notices were placed together */
  selection?: { by: StrategyName | 'standby' | 'launch'; batchSize: number }
  /** in canonical phase order (drain runs alongside select..health, so times overlap) */
  phases: PhaseRecord[]
  drain?: DrainResult
  checkpoint?: CheckpointPlan
  /** things that went wrong without stopping the failover (e.g. live facts unreadable) */
  warnings?: string[]
}

/** What a phase body returns; throwing counts as 'failed' with the error as reason. */
export interface PhaseResult<T> {
  outcome: PhaseOutcome
  reason?: string
  detail?: Record<string, unknown>
  value?: T
}

export const ok = <T>(value?: T, detail?: Record<string, unknown>): PhaseResult<T> => ({
  outcome: 'ok',
  value,
  detail
})
export const failed = <T>(reason: string, detail?: Record<string, unknown>): PhaseResult<T> => ({
  outcome: 'failed',
  reason,
  detail
})
export const skipped = <T>(reason: string, detail?: Record<string, unknown>): PhaseResult<T> => ({
  outcome: 'skipped',
  reason,
  detail
})

export interface PhaseContext {
  clock: Clock
  record: (e: FleetEvent) => void
  instanceId: string
  phases: PhaseRecord[]
}

/** Times one phase, keeps its record and writes its 'failover-phase' event. */
export async function runPhase<T>(
  ctx: PhaseContext,
  phase: FailoverPhase,
  body: () => Promise<PhaseResult<T>>
): Promise<PhaseResult<T>> {
  const startedAt = ctx.clock.now()
  let result: PhaseResult<T>
  try {
    result = await body()
  } catch (error) {
    result = failed(errorText(error))
  }
  const endedAt = ctx.clock.now()
  const entry: PhaseRecord = {
    phase,
    startedAt,
    endedAt,
    durationMs: endedAt - startedAt,
    outcome: result.outcome,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    ...(result.detail !== undefined ? { detail: result.detail } : {})
  }
  ctx.phases.push(entry)
  safeRecord(ctx.record, {
    at: endedAt,
    kind: 'failover-phase',
    instanceId: ctx.instanceId,
    data: { ...entry }
  })
  return result
}

export function sortPhases(phases: PhaseRecord[]): PhaseRecord[] {
  return [...phases].sort(
    (a, b) => FAILOVER_PHASES.indexOf(a.phase) - FAILOVER_PHASES.indexOf(b.phase)
  )
}
