// The agent's fallback record: when the cockpit cannot be reached, an event is written as EC2 tags
// on the instance itself, where the cockpit finds it with its next DescribeInstances. This file has
// no AWS SDK import so the cockpit side can parse tags without loading the agent's dependencies.
import { z } from 'zod'
import type {
  DrainOutcome,
  DrainResult,
  InterruptionEvent,
  InterruptionKind
} from '../../shared/fleet'
import type { CheckpointDecision, CheckpointPlan } from '../checkpoint/plan'

export const AGENT_TAG_PREFIX = 'synkti:event:'
/** EC2 tag values are limited to 256 Unicode characters */
export const TAG_VALUE_MAX = 256

/** Writes tags on an instance; the real one is createEc2TagRecorder (tag-recorder.ts). */
export type TagRecorder = (instanceId: string, tags: Record<string, string>) => Promise<void>

export interface AgentCheckpointReport extends CheckpointPlan {
  stateGiB: number
  bandwidthGiBps: number
  /** seconds of notice left when the plan was made (after the drain) */
  secondsLeft: number
}

/** What the agent POSTs to {cockpitUrl}/api/agent/events. */
export interface AgentEventReport {
  instanceId: string
  event: InterruptionEvent
  drain?: DrainResult
  checkpoint?: AgentCheckpointReport
}

/** An event recovered from instance tags. */
export interface AgentTagRecord {
  event: InterruptionEvent
  drainOutcome?: DrainOutcome
  drainReason?: string
  checkpoint?: CheckpointDecision
}

// Compact keys keep the value well under 256 characters: t observedAt, a action, dl deadline,
// o drain outcome, r drain reason (truncated), c checkpoint decision, s original source.
const tagValueSchema = z.object({
  t: z.number(),
  a: z.enum(['terminate', 'stop', 'hibernate']).optional(),
  dl: z.number().optional(),
  s: z.string().optional(),
  o: z.enum(['drained', 'timed-out', 'failed']).optional(),
  r: z.string().optional(),
  c: z.enum(['full', 'partial', 'restart']).optional()
})
type TagValue = z.infer<typeof tagValueSchema>

const KINDS: readonly InterruptionKind[] = [
  'interruption-notice',
  'rebalance-recommendation',
  'state-change'
]

export function buildAgentTags(report: AgentEventReport): Record<string, string> {
  const value: TagValue = {
    t: report.event.observedAt,
    a: report.event.action,
    dl: report.event.deadline,
    s: report.event.source,
    o: report.drain?.outcome,
    r: report.drain?.reason,
    c: report.checkpoint?.decision
  }
  return { [AGENT_TAG_PREFIX + report.event.kind]: fitTagValue(value) }
}

/** JSON of the value, the reason shortened until it fits TAG_VALUE_MAX. */
function fitTagValue(value: TagValue): string {
  let text = JSON.stringify(value)
  // bounded: each pass shortens the reason by at least the overflow; then it is dropped
  for (let pass = 0; text.length > TAG_VALUE_MAX && value.r && pass < 4; pass++) {
    const keep = Math.max(0, value.r.length - (text.length - TAG_VALUE_MAX) - 1)
    value = { ...value, r: value.r.slice(0, keep) + '…' }
    text = JSON.stringify(value)
  }
  if (text.length > TAG_VALUE_MAX) text = JSON.stringify({ ...value, r: undefined })
  return text
}

/**
 * The cockpit side: events the agent recorded as tags on `instanceId`. Tags that are not ours or
 * do not parse are skipped. Recovered events carry source 'instance-tags'.
 */
export function parseAgentTags(tags: Record<string, string>, instanceId = ''): AgentTagRecord[] {
  const records: AgentTagRecord[] = []
  for (const [key, raw] of Object.entries(tags)) {
    if (!key.startsWith(AGENT_TAG_PREFIX)) continue
    const kind = key.slice(AGENT_TAG_PREFIX.length) as InterruptionKind
    if (!KINDS.includes(kind)) continue
    const value = parseValue(raw)
    if (value) records.push(toRecord(instanceId, kind, value))
  }
  return records
}

function parseValue(raw: string): TagValue | undefined {
  try {
    const parsed = tagValueSchema.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : undefined
  } catch (error) {
    // a tag another writer left half-written is not a record of ours
    if (error instanceof SyntaxError) return undefined
    throw error
  }
}

function toRecord(instanceId: string, kind: InterruptionKind, value: TagValue): AgentTagRecord {
  const event: InterruptionEvent = {
    instanceId,
    kind,
    source: 'instance-tags',
    observedAt: value.t
  }
  if (value.a) event.action = value.a
  if (value.dl !== undefined) event.deadline = value.dl
  if (value.s) event.detail = `recorded by the agent from ${value.s}`
  const record: AgentTagRecord = { event }
  if (value.o) record.drainOutcome = value.o
  if (value.r) record.drainReason = value.r
  if (value.c) record.checkpoint = value.c
  return record
}
