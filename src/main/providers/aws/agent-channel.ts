// The agent channel on AWS, for a cockpit that no instance can reach (a laptop behind NAT):
//
// - agent -> cockpit: each node agent sends its reports (events, drain results, heartbeats) to the
//   fleet's FIFO reports queue with its instance role; the cockpit long-polls the queue and feeds each
//   report to the same sink its HTTP intake uses (`engine.agentReport`). The queue URL is not a secret.
// - cockpit -> agent: the instance's tags, which the agent reads from instance metadata
//   (InstanceMetadataTags enabled at launch), e.g. `synkti:model`.
// - the agent publishes its model server's address as the `synkti:endpoint` tag on its own instance.
//
// An agent can speak only about itself: SQS stamps every message with its sender (`SenderId`, for an
// instance role `<role unique id>:<instance id>`, which the sender cannot choose), and the cockpit
// accepts a report only when that sender is the instance the report is about and the instance is one
// of its fleet. The cockpit's API token never leaves the cockpit. Reports carry an id: the FIFO
// queue's deduplication id and the cockpit's memory of what it already stored, so a redelivered report
// is stored once; a report is deleted from the queue only once the sink has stored it.
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
  type Message
} from '@aws-sdk/client-sqs'
import { createHash, randomUUID } from 'node:crypto'
import { z } from 'zod'
import { errorText } from '../../../shared/errors'
import type { Clock } from '../../clock'

/** events: notices and drains; heartbeat; job: a deadline job's command exited */
export const REPORT_KINDS = ['events', 'heartbeat', 'job'] as const
export type ReportKind = (typeof REPORT_KINDS)[number]

// ---- names shared with `synkti aws setup` (which creates these resources) ----

/** long enough to tell fleets apart, short enough for every AWS name limit it goes into */
const SLUG_MAX = 24

/**
 * The fleet tag as a name part: lowercase letters, digits and `-` (what S3, SQS, IAM and EventBridge
 * all accept). A tag that had to be changed to fit gets a short hash of the original, so two tags
 * never share resources ("a_b" and "a-b" differ).
 */
export function fleetSlug(fleetTag: string): string {
  const plain = fleetTag
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/-{2,}/g, '-')
  if (plain === fleetTag && plain.length > 0 && plain.length <= SLUG_MAX) return plain
  const hash = createHash('sha256').update(fleetTag).digest('hex').slice(0, 6)
  return `${plain.slice(0, SLUG_MAX - 7).replace(/-+$/, '') || 'fleet'}-${hash}`
}

/** The fleet's reports queue (FIFO: ordered per instance, deduplicated by report id). */
export function reportsQueueName(fleetTag: string): string {
  return `synkti-${fleetSlug(fleetTag)}-reports.fifo`
}

/** The agents' IAM role and instance profile (the same name for both). */
export function agentRoleName(fleetTag: string): string {
  return `synkti-${fleetSlug(fleetTag)}-agent`
}

/** The cockpit's bucket for agent bundles and checkpoints: one per account and region. */
export function agentBucketName(accountId: string, region: string): string {
  return `synkti-${accountId}-${region}`
}

/** Where a bundle lives in the bucket: content-addressed, so a key never changes meaning. */
export function agentBundleKey(version: string, sha256: string): string {
  return `agent/synkti-agent-${version}-${sha256}.mjs`
}

/** The tag the agent writes on its own instance once its model server is ready. */
export const ENDPOINT_TAG_KEY = 'synkti:endpoint'

export interface AgentPolicyScope {
  /** e.g. arn:aws:sqs:us-east-1:123456789012:synkti-lab-reports.fifo */
  reportsQueueArn: string
  /** SSM parameters the boot script may read (e.g. a Hugging Face token), e.g. /synkti/lab/* */
  parameterPrefix?: string
  /**
   * Where jobs' checkpoints are kept: the bucket (a name or a pattern such as
   * synkti-123456789012-*, the role being global) and the fleet's key prefix (checkpoints/lab/)
   */
  checkpoints?: { bucket: string; prefix: string }
  region?: string
  accountId?: string
}

/**
 * The statements of the agents' role policy, least privilege: send to the reports queue; tag only
 * its own instance (aws:ARN of the resource is the calling instance's ARN) and only Synkti's agent
 * keys; read the fleet's secrets from SSM; read and write jobs' checkpoints under the fleet's prefix
 * (`aws s3 sync` lists, gets and puts). The presigned bundle URL needs no S3 access.
 */
export function agentRolePolicyStatements(scope: AgentPolicyScope): Record<string, unknown>[] {
  const region = scope.region ?? '*'
  const account = scope.accountId ?? '*'
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'SynktiAgentReports',
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: scope.reportsQueueArn
    },
    {
      Sid: 'SynktiAgentTagsItself',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: `arn:aws:ec2:${region}:${account}:instance/*`,
      Condition: {
        StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' },
        'ForAllValues:StringLike': { 'aws:TagKeys': [ENDPOINT_TAG_KEY, 'synkti:event:*'] }
      }
    }
  ]
  if (scope.checkpoints) {
    const { bucket, prefix } = scope.checkpoints
    statements.push(
      {
        Sid: 'SynktiAgentCheckpoints',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: `arn:aws:s3:::${bucket}/${prefix}*`
      },
      {
        Sid: 'SynktiAgentListCheckpoints',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${bucket}`,
        Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } }
      }
    )
  }
  if (scope.parameterPrefix)
    statements.push({
      Sid: 'SynktiAgentSecrets',
      Effect: 'Allow',
      Action: 'ssm:GetParameter',
      Resource: `arn:aws:ssm:${region}:${account}:parameter${scope.parameterPrefix.startsWith('/') ? '' : '/'}${scope.parameterPrefix}`
    })
  return statements
}

/**
 * What the cockpit's own identity calls for the agents (agent-boot.ts), for the operator's policy:
 * the reports queue, the bundle in its bucket (s3:GetObject because it signs the presigned URL), the
 * agents' role id for the sender check, and its account id for the bucket name.
 */
export const COCKPIT_AGENT_ACTIONS = [
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  // HeadObject is authorised by s3:GetObject; without s3:ListBucket a missing key answers 403, not 404
  's3:ListBucket',
  's3:PutObject',
  's3:GetObject',
  'iam:GetRole',
  'sts:GetCallerIdentity'
] as const

// ---- the message ----

const envelopeSchema = z.object({
  v: z.literal(1),
  /** one id per report: retries of the same report share it */
  id: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  kind: z.enum(REPORT_KINDS),
  report: z.object({ instanceId: z.string().min(1).max(64) }).passthrough()
})
export type ReportEnvelope = z.infer<typeof envelopeSchema>

/** the largest report body accepted (SQS allows 256 KiB; a report is well under 4 KiB) */
const MAX_BODY = 64 * 1024

export function reportEnvelope(
  kind: ReportKind,
  report: { instanceId: string },
  id: string = randomUUID()
): ReportEnvelope {
  return { v: 1, id, kind, report }
}

// ---- agent side ----

export type SendResult = { ok: true } | { ok: false; reason: string }

export interface ReportSender {
  readonly target: string
  /** one SendMessage (the SDK retries throttling and network errors itself) */
  send(kind: ReportKind, report: { instanceId: string }, id?: string): Promise<SendResult>
}

export function createSqsReportSender(o: {
  queueUrl: string
  client: Pick<SQSClient, 'send'>
}): ReportSender {
  return {
    target: o.queueUrl,
    send: async (kind, report, id) => {
      const envelope = reportEnvelope(kind, report, id)
      try {
        await o.client.send(
          new SendMessageCommand({
            QueueUrl: o.queueUrl,
            MessageBody: JSON.stringify(envelope),
            // per instance in order; a retried report is dropped by SQS within its 5 minute window
            MessageGroupId: report.instanceId,
            MessageDeduplicationId: envelope.id
          })
        )
        return { ok: true }
      } catch (error) {
        return { ok: false, reason: errorText(error) }
      }
    }
  }
}

// ---- cockpit side ----

/**
 * Whether SQS's `SenderId` may speak for `instanceId`. The real rule for EC2 instance roles:
 * `<role unique id>:<instance id>` (the role session of an instance profile is named after the
 * instance). With the agents' role id known (IAM GetRole's RoleId, `AROA...`) it must be exactly that
 * role; without it, any role session named after the instance. moto cannot play this part: it stamps
 * every message with one fixed user id (`AIDAIT2UOQQY3AUEKVGXU`) and, with Debian's botocore 1.29
 * models, returns no system attributes at all to a JSON-protocol client such as SDK v3, so tests
 * against it inject their own check and prove the fleet check; the rule itself is unit-tested.
 */
export type SenderCheck = (senderId: string | undefined, instanceId: string) => boolean

export function instanceRoleSender(roleId?: string): SenderCheck {
  return (senderId, instanceId) => {
    if (!senderId) return false
    const colon = senderId.indexOf(':')
    if (colon < 0 || senderId.slice(colon + 1) !== instanceId) return false
    const role = senderId.slice(0, colon)
    return roleId ? role === roleId : /^AROA[A-Z0-9]{8,}$/.test(role)
  }
}

export type ChannelOutcome =
  | { kind: 'stored'; id: string; report: ReportEnvelope }
  | { kind: 'duplicate'; id: string }
  | { kind: 'refused'; reason: string }
  /** the sink could not store it: left in the queue for redelivery */
  | { kind: 'retry'; reason: string }

export interface AgentChannelOptions {
  client: Pick<SQSClient, 'send'>
  queueUrl: string
  /** the HTTP intake's sink (engine.agentReport); resolves once stored */
  sink: (kind: ReportKind, body: unknown) => Promise<void>
  /** whether the instance is one of this fleet's */
  owned: (instanceId: string) => Promise<boolean>
  senderCheck?: SenderCheck
  signal: AbortSignal
  clock: Clock
  log?: (line: string) => void
  /** long-poll wait, 0 to 20 s (default 20) */
  waitSeconds?: number
  /** called for each message handled, for tests and counters */
  onOutcome?: (outcome: ChannelOutcome) => void
}

/** ids of reports already stored, bounded: the oldest are forgotten first */
function recentIds(limit: number): { has(id: string): boolean; add(id: string): void } {
  const ids = new Set<string>()
  return {
    has: (id) => ids.has(id),
    add: (id) => {
      ids.add(id)
      if (ids.size > limit) ids.delete(ids.values().next().value!)
    }
  }
}

/** Runs until the signal aborts; resolves (never rejects). */
export async function runAgentChannel(o: AgentChannelOptions): Promise<void> {
  const log = o.log ?? (() => {})
  const check = o.senderCheck ?? instanceRoleSender()
  const stored = recentIds(4096)
  let backoffMs = 0
  let lastError = ''
  while (!o.signal.aborted) {
    let messages: Message[]
    try {
      const out = await o.client.send(
        new ReceiveMessageCommand({
          QueueUrl: o.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: Math.max(0, Math.min(20, o.waitSeconds ?? 20)),
          MessageSystemAttributeNames: ['SenderId']
        }),
        { abortSignal: o.signal }
      )
      messages = out.Messages ?? []
      backoffMs = 0
      lastError = ''
    } catch (error) {
      if (o.signal.aborted) break
      const text = errorText(error)
      if (text !== lastError) log(`agent channel: receiving from ${o.queueUrl} failed: ${text}`)
      lastError = text
      backoffMs = Math.min(30_000, Math.max(1000, backoffMs * 2))
      await o.clock.sleep(backoffMs, o.signal).catch(() => undefined)
      continue
    }
    for (const m of messages) {
      const outcome = await handleReport(m, { ...o, senderCheck: check }, stored)
      o.onOutcome?.(outcome)
      if (outcome.kind === 'refused') log(`agent channel: refused a report: ${outcome.reason}`)
      if (outcome.kind === 'retry') {
        log(`agent channel: report not stored, SQS will redeliver it: ${outcome.reason}`)
        continue
      }
      await deleteReport(o, m, log)
    }
  }
}

async function handleReport(
  m: Message,
  o: AgentChannelOptions & { senderCheck: SenderCheck },
  stored: ReturnType<typeof recentIds>
): Promise<ChannelOutcome> {
  const body = m.Body ?? ''
  if (body.length > MAX_BODY) return { kind: 'refused', reason: `message of ${body.length} bytes` }
  let envelope: ReportEnvelope
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(body))
    if (!parsed.success)
      return { kind: 'refused', reason: `not a Synkti report: ${parsed.error.issues[0].message}` }
    envelope = parsed.data
  } catch (error) {
    if (error instanceof SyntaxError) return { kind: 'refused', reason: 'body is not JSON' }
    throw error
  }
  const instanceId = envelope.report.instanceId
  const sender = m.Attributes?.SenderId
  if (!o.senderCheck(sender, instanceId))
    return {
      kind: 'refused',
      reason: `sender ${sender ?? '(none)'} may not report for ${instanceId}`
    }
  if (stored.has(envelope.id)) return { kind: 'duplicate', id: envelope.id }
  let owned: boolean
  try {
    owned = await o.owned(instanceId)
  } catch (error) {
    return { kind: 'retry', reason: `could not list the fleet: ${errorText(error)}` }
  }
  if (!owned) return { kind: 'refused', reason: `${instanceId} is not an instance of this fleet` }
  try {
    await o.sink(envelope.kind, envelope.report)
  } catch (error) {
    // a malformed report will not improve with redelivery; a history that cannot write might
    if ((error as { badRequest?: boolean }).badRequest)
      return { kind: 'refused', reason: errorText(error) }
    return { kind: 'retry', reason: errorText(error) }
  }
  stored.add(envelope.id)
  return { kind: 'stored', id: envelope.id, report: envelope }
}

async function deleteReport(
  o: AgentChannelOptions,
  m: Message,
  log: (line: string) => void
): Promise<void> {
  if (!m.ReceiptHandle) return
  try {
    await o.client.send(
      new DeleteMessageCommand({ QueueUrl: o.queueUrl, ReceiptHandle: m.ReceiptHandle })
    )
  } catch (error) {
    // redelivered later and then recognised by its id
    log(`agent channel: could not delete message ${m.MessageId}: ${errorText(error)}`)
  }
}

/** The queue URL for the fleet's reports queue, or undefined when `synkti aws setup` has not made it. */
export async function findReportsQueue(
  client: Pick<SQSClient, 'send'>,
  fleetTag: string,
  signal?: AbortSignal
): Promise<string | undefined> {
  try {
    const out = await client.send(
      new GetQueueUrlCommand({ QueueName: reportsQueueName(fleetTag) }),
      { abortSignal: signal }
    )
    return out.QueueUrl
  } catch (error) {
    const name = (error as { name?: string }).name ?? ''
    if (/QueueDoesNotExist|NonExistentQueue/.test(name)) return undefined
    throw error
  }
}

/**
 * `owned` backed by the fleet listing: an unknown id refreshes it (a new instance), at most once a
 * second. An id once listed stays the fleet's (EC2 never reuses instance ids), so the last reports of
 * an instance that has just terminated (its drain report, a heartbeat in flight) are still taken
 * after the listing has dropped it.
 */
export function ownedByListing(
  list: () => Promise<{ id: string }[]>,
  clock: Clock,
  maxRemembered = 100_000
): (instanceId: string) => Promise<boolean> {
  const seen = new Set<string>()
  let listedAt = -Infinity
  return async (instanceId) => {
    if (seen.has(instanceId)) return true
    if (clock.now() - listedAt >= 1000) {
      listedAt = clock.now()
      for (const i of await list()) {
        if (seen.has(i.id)) continue
        if (seen.size >= maxRemembered) seen.delete(seen.values().next().value!) // oldest first
        seen.add(i.id)
      }
    }
    return seen.has(instanceId)
  }
}
