import { z } from 'zod'
import type { DrainResult, InterruptionEvent } from '../../shared/fleet'
import { JOB_EXIT_PHASES, type JobExitPhase } from '../agent/job'
import type { OperationsContext } from './operations'

const interruptionSchema = z.object({
  instanceId: z.string().min(1),
  kind: z.enum(['interruption-notice', 'rebalance-recommendation', 'state-change']),
  action: z.enum(['terminate', 'stop', 'hibernate']).optional(),
  deadline: z.number().finite().optional(),
  source: z.enum(['imds', 'ec2-api', 'eventbridge', 'sandbox', 'instance-tags']),
  observedAt: z.number().finite(),
  detail: z.string().optional()
})

const drainSchema = z.object({
  outcome: z.enum(['drained', 'timed-out', 'failed']),
  startedAt: z.number().finite(),
  endedAt: z.number().finite(),
  deregisterMs: z.number().finite(),
  lastRunning: z.number().nullable(),
  lastWaiting: z.number().nullable(),
  reason: z.string().optional()
})

export const agentEventReportSchema = z.object({
  instanceId: z.string().min(1),
  event: interruptionSchema,
  drain: drainSchema.optional(),
  checkpoint: z.record(z.string(), z.unknown()).optional()
})

export const agentHeartbeatSchema = z.object({
  instanceId: z.string().min(1),
  at: z.number().finite(),
  state: z.string(),
  /** running + waiting requests of the instance's vLLM */
  load: z.number().finite().min(0).optional()
})

/** A deadline job's command exited (engine/user-data.ts's runner wrote its status, the agent read it). */
export const agentJobReportSchema = z.object({
  instanceId: z.string().min(1),
  at: z.number().finite(),
  exitCode: z.number().int().min(0).max(255),
  /** where it ended: restoring the checkpoint, reading the secret, the command itself, saving */
  phase: z.enum(JOB_EXIT_PHASES)
})

export type ParsedAgentReport =
  | {
      kind: 'events'
      instanceId: string
      event: InterruptionEvent
      drain?: DrainResult
      checkpoint?: Record<string, unknown>
    }
  | { kind: 'heartbeat'; instanceId: string; at: number; state: string; load?: number }
  | { kind: 'job'; instanceId: string; at: number; exitCode: number; phase: JobExitPhase }

const REPORT_SCHEMAS = {
  events: agentEventReportSchema,
  heartbeat: agentHeartbeatSchema,
  job: agentJobReportSchema
} as const

/** Validates a node agent's report; a malformed one is refused with the field that is wrong. */
export function parseAgentReport(
  kind: 'events' | 'heartbeat' | 'job',
  body: unknown
): ParsedAgentReport {
  const parsed = REPORT_SCHEMAS[kind].safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AgentReportError(
      `agent ${kind} report: ${issue.path.join('.') || 'body'}: ${issue.message}`
    )
  }
  return { kind, ...parsed.data } as ParsedAgentReport
}

/** A malformed report: the transport answers it as a bad request (400), not a server failure. */
export class AgentReportError extends Error {
  readonly badRequest = true
}

/**
 * Forwards a report to the engine: the event to the interruption path, a drain result to history.
 * Resolves only once all of it is stored; a write that failed throws HistoryWriteError (503), so
 * the agent retries and then writes its instance tags.
 */
export async function handleAgentReport(
  kind: 'events' | 'heartbeat' | 'job',
  body: unknown,
  ctx: OperationsContext | undefined
): Promise<ParsedAgentReport> {
  const report = parseAgentReport(kind, body)
  if (ctx && report.kind === 'job')
    // the job controller reads it from history on its next pass (controller/job.ts)
    ctx.recordStored({
      at: report.at,
      kind: 'job-exit',
      instanceId: report.instanceId,
      data: { exitCode: report.exitCode, phase: report.phase, source: 'agent' }
    })
  if (!ctx || report.kind !== 'events') return report
  ctx.interruption(report.event, { mustStore: true })
  if (report.drain)
    ctx.recordStored({
      at: report.drain.endedAt,
      kind: 'drain-end',
      instanceId: report.instanceId,
      data: { ...report.drain, source: 'agent' }
    })
  if (report.checkpoint)
    ctx.recordStored({
      at: report.event.observedAt,
      kind: 'checkpoint',
      instanceId: report.instanceId,
      data: report.checkpoint
    })
  return report
}
