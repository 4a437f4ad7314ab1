// Optional interruption source: an EventBridge rule sends EC2 Spot events to an SQS queue and the
// cockpit long-polls it. Faster than polling the EC2 API (EventBridge delivers within seconds of the
// notice) and it also carries rebalance recommendations, which the EC2 API does not expose.
//
// Handling per message: parse -> (deduper) -> onEvent -> DeleteMessage. Malformed or irrelevant
// messages are logged and deleted, so they are not redelivered forever; a message whose handler threw
// is NOT deleted, so SQS redelivers it after the visibility timeout (bounded by the queue's DLQ policy).

import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message
} from '@aws-sdk/client-sqs'
import type { InterruptionAction, InterruptionEvent } from '../../shared/fleet'
import { systemClock, type Clock } from '../clock'
import { ec2ClientConfig, type AwsClientOptions } from '../providers/aws/client'
import { SPOT_NOTICE_MS } from '../providers/aws/interruptions'
import { createInterruptionDeduper, type InterruptionDeduper } from './dedupe'

export const SPOT_WARNING = 'EC2 Spot Instance Interruption Warning'
export const REBALANCE = 'EC2 Instance Rebalance Recommendation'
export const STATE_CHANGE = 'EC2 Instance State-change Notification'
/** AWS Health: `synkti aws setup`'s rule forwards EC2's scheduled changes (retirement, maintenance) */
export const HEALTH_EVENT = 'AWS Health Event'
/** the states `synkti aws setup`'s rule forwards, and what each means for the instance */
const LEAVING_STATES: Readonly<Record<string, InterruptionAction>> = {
  'shutting-down': 'terminate',
  terminated: 'terminate',
  stopping: 'stop',
  stopped: 'stop'
}

export type ParsedMessage =
  | { kind: 'event'; event: InterruptionEvent }
  /** one AWS Health event naming several instances */
  | { kind: 'events'; events: InterruptionEvent[] }
  /** well-formed but not an interruption signal (other detail-types, other sources) */
  | { kind: 'ignored'; reason: string }
  | { kind: 'malformed'; reason: string }

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/
const ACTIONS: readonly InterruptionAction[] = ['terminate', 'stop', 'hibernate']

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const malformed = (reason: string): ParsedMessage => ({ kind: 'malformed', reason })

function parseJson(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return isObject(v) ? v : undefined
  } catch {
    return undefined
  }
}

/** EventBridge -> SQS puts the event itself in the body; EventBridge -> SNS -> SQS wraps it */
function unwrapSns(doc: Json): Json | undefined {
  if (doc.Type === 'Notification' && typeof doc.Message === 'string') return parseJson(doc.Message)
  return doc
}

/**
 * Pure: one SQS message body -> what it means. observedAt defaults to the event's own time, so the
 * result depends on the body alone; the consumer passes its clock's now.
 */
export function parseEventBridgeMessage(body: string, observedAt?: number): ParsedMessage {
  const outer = parseJson(body)
  const doc = outer && unwrapSns(outer)
  if (!doc) return malformed('body is not a JSON object')
  const detailType = doc['detail-type']
  if (typeof detailType !== 'string') return malformed('no detail-type: not an EventBridge event')
  if (detailType === HEALTH_EVENT) return parseHealthEvent(doc, observedAt)
  if (detailType !== SPOT_WARNING && detailType !== REBALANCE && detailType !== STATE_CHANGE)
    return { kind: 'ignored', reason: `detail-type '${detailType}'` }
  if (doc.source !== 'aws.ec2')
    return { kind: 'ignored', reason: `source '${String(doc.source)}' is not aws.ec2` }
  const time = typeof doc.time === 'string' ? Date.parse(doc.time) : NaN
  if (!Number.isFinite(time)) return malformed(`${detailType}: missing or invalid time`)
  const detail = isObject(doc.detail) ? doc.detail : {}
  const instanceId = detail['instance-id']
  if (typeof instanceId !== 'string' || !INSTANCE_ID.test(instanceId)) {
    return malformed(`${detailType}: missing or invalid detail.instance-id`)
  }
  const base = { instanceId, source: 'eventbridge' as const, observedAt: observedAt ?? time }
  if (detailType === REBALANCE)
    return { kind: 'event', event: { ...base, kind: 'rebalance-recommendation' } }
  if (detailType === STATE_CHANGE) {
    const state = detail.state
    const leaving = typeof state === 'string' ? LEAVING_STATES[state] : undefined
    // pending / running are not news: the fleet sync sees them
    if (!leaving) return { kind: 'ignored', reason: `state '${String(state)}'` }
    return {
      kind: 'event',
      event: { ...base, kind: 'state-change', action: leaving, detail: `state ${state}` }
    }
  }
  const action = detail['instance-action']
  if (!ACTIONS.includes(action as InterruptionAction)) {
    return malformed(`${detailType}: invalid detail.instance-action '${String(action)}'`)
  }
  return {
    kind: 'event',
    event: {
      ...base,
      kind: 'interruption-notice',
      action: action as InterruptionAction,
      deadline: time + SPOT_NOTICE_MS
    }
  }
}

/**
 * An EC2 scheduled change from AWS Health (an instance retirement, a reboot or network maintenance):
 * each affected instance is at risk from the change's start, so it is reported as a rebalance
 * recommendation, with the change in the detail. A service with `rebalance: replace` replaces it
 * ahead of time; otherwise the stop or termination, when it comes, is handled like any other.
 */
function parseHealthEvent(doc: Json, observedAt: number | undefined): ParsedMessage {
  if (doc.source !== 'aws.health')
    return { kind: 'ignored', reason: `source '${String(doc.source)}' is not aws.health` }
  const detail = isObject(doc.detail) ? doc.detail : {}
  if (detail.service !== 'EC2' || detail.eventTypeCategory !== 'scheduledChange')
    return {
      kind: 'ignored',
      reason: `AWS Health ${String(detail.service)} ${String(detail.eventTypeCategory)} event`
    }
  const time = typeof doc.time === 'string' ? Date.parse(doc.time) : NaN
  if (!Number.isFinite(time)) return malformed(`${HEALTH_EVENT}: missing or invalid time`)
  const entities = Array.isArray(detail.affectedEntities) ? detail.affectedEntities : []
  const resources = Array.isArray(doc.resources) ? doc.resources : []
  const ids = new Set<string>()
  for (const e of entities)
    if (isObject(e) && typeof e.entityValue === 'string' && INSTANCE_ID.test(e.entityValue))
      ids.add(e.entityValue)
  for (const r of resources) {
    const id = typeof r === 'string' ? /(?:^|\/)(i-[0-9a-f]{8,17})$/.exec(r)?.[1] : undefined
    if (id) ids.add(id)
  }
  if (ids.size === 0) return { kind: 'ignored', reason: `${HEALTH_EVENT}: names no instance` }
  const code = typeof detail.eventTypeCode === 'string' ? detail.eventTypeCode : 'scheduled change'
  const start = typeof detail.startTime === 'string' ? Date.parse(detail.startTime) : NaN
  const when = Number.isFinite(start) ? ` from ${new Date(start).toISOString()}` : ''
  return {
    kind: 'events',
    events: [...ids].map((instanceId) => ({
      instanceId,
      kind: 'rebalance-recommendation' as const,
      source: 'eventbridge' as const,
      observedAt: observedAt ?? time,
      detail: `AWS Health ${code}${when}`
    }))
  }
}

export interface SqsEventsOptions {
  queueUrl: string
  /** ready client; otherwise one is built from clientOptions like the EC2 one (profile, endpoint...) */
  client?: SQSClient
  clientOptions?: AwsClientOptions
  signal: AbortSignal
  onEvent: (event: InterruptionEvent) => void | Promise<void>
  /** receive/delete failures and handler errors */
  onError?: (err: unknown) => void
  /** malformed and ignored messages */
  log?: { warn(message: string): void }
  deduper?: InterruptionDeduper
  clock?: Clock
  /** SQS long-poll wait, max 20 s (default 20) */
  waitTimeSeconds?: number
  /** wait after a failed ReceiveMessage before trying again (default 5 s) */
  errorBackoffMs?: number
}

export interface BatchResult {
  received: number
  delivered: number
  deleted: number
  malformed: number
}

export function createSqsClient(opts: AwsClientOptions): SQSClient {
  // same credential/endpoint/retry rules as EC2 (AWS_ENDPOINT_URL_SQS is honoured by the SDK)
  return new SQSClient(ec2ClientConfig(opts))
}

type Outcome = 'delivered' | 'duplicate' | 'ignored' | 'malformed' | 'failed'

async function handleMessage(
  m: Message,
  opts: SqsEventsOptions,
  deduper: InterruptionDeduper,
  now: number
): Promise<Outcome> {
  const parsed = parseEventBridgeMessage(m.Body ?? '', now)
  if (parsed.kind === 'ignored' || parsed.kind === 'malformed') {
    opts.log?.warn(
      `SQS ${opts.queueUrl}: ${parsed.kind} message ${m.MessageId ?? '?'} deleted: ${parsed.reason}`
    )
    return parsed.kind
  }
  const fresh = (parsed.kind === 'event' ? [parsed.event] : parsed.events).filter((e) =>
    deduper.accept(e)
  )
  if (fresh.length === 0) return 'duplicate'
  try {
    for (const event of fresh) await opts.onEvent(event)
    return 'delivered'
  } catch (err) {
    opts.onError?.(err)
    return 'failed'
  }
}

async function deleteMessage(
  client: SQSClient,
  opts: SqsEventsOptions,
  m: Message
): Promise<boolean> {
  if (!m.ReceiptHandle) return false
  try {
    await client.send(
      new DeleteMessageCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: m.ReceiptHandle })
    )
    return true
  } catch (err) {
    opts.onError?.(err)
    return false
  }
}

/** one ReceiveMessage long-poll and the handling of what it returned */
export async function receiveSqsBatchOnce(
  client: SQSClient,
  opts: SqsEventsOptions & { deduper: InterruptionDeduper }
): Promise<BatchResult> {
  const out = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: opts.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: opts.waitTimeSeconds ?? 20
    }),
    { abortSignal: opts.signal }
  )
  const result: BatchResult = { received: 0, delivered: 0, deleted: 0, malformed: 0 }
  const now = (opts.clock ?? systemClock).now()
  for (const m of out.Messages ?? []) {
    result.received++
    const outcome = await handleMessage(m, opts, opts.deduper, now)
    if (outcome === 'delivered') result.delivered++
    if (outcome === 'malformed') result.malformed++
    if (outcome !== 'failed' && (await deleteMessage(client, opts, m))) result.deleted++
  }
  return result
}

/** runs until signal aborts; resolves (never rejects) on abort */
export async function runSqsEventConsumer(opts: SqsEventsOptions): Promise<void> {
  const clock = opts.clock ?? systemClock
  const client =
    opts.client ?? createSqsClient(opts.clientOptions ?? { region: regionOfQueue(opts.queueUrl) })
  const deduper = opts.deduper ?? createInterruptionDeduper({ now: clock.now })
  while (!opts.signal.aborted) {
    try {
      await receiveSqsBatchOnce(client, { ...opts, deduper })
    } catch (err) {
      if (opts.signal.aborted) return
      opts.onError?.(err)
      try {
        await clock.sleep(opts.errorBackoffMs ?? 5_000, opts.signal)
      } catch {
        return
      }
    }
  }
}

/** https://sqs.us-east-1.amazonaws.com/123456789012/q -> us-east-1 (fallback: AWS_REGION) */
export function regionOfQueue(queueUrl: string): string {
  const m = /sqs[.-]([a-z]{2}(?:-[a-z]+)+-\d+)\./.exec(queueUrl)
  return m?.[1] ?? process.env.AWS_REGION ?? 'us-east-1'
}
