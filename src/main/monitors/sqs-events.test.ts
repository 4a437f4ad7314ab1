import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import type { InterruptionEvent } from '../../shared/fleet'
import { manualClock } from '../../../test/support/manual-clock'
import { createInterruptionDeduper } from './dedupe'
import {
  parseEventBridgeMessage,
  receiveSqsBatchOnce,
  regionOfQueue,
  runSqsEventConsumer
} from './sqs-events'

// shaped like the samples in the EC2 user guide ("Spot Instance interruption notices", "rebalance recommendations")
const SPOT_WARNING = {
  version: '0',
  id: '12345678-1234-1234-1234-123456789012',
  'detail-type': 'EC2 Spot Instance Interruption Warning',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2025-03-01T12:00:00Z',
  region: 'us-east-2',
  resources: ['arn:aws:ec2:us-east-2a:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', 'instance-action': 'terminate' }
}
const REBALANCE = {
  version: '0',
  id: '12345678-1234-1234-1234-123456789013',
  'detail-type': 'EC2 Instance Rebalance Recommendation',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2025-03-01T11:58:00Z',
  region: 'us-east-2',
  resources: ['arn:aws:ec2:us-east-2a:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0' }
}
const STATE_CHANGE = {
  ...REBALANCE,
  'detail-type': 'EC2 Instance State-change Notification',
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'running' }
}
// shaped like the AWS Health user guide's EventBridge sample for an instance retirement
const HEALTH = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'AWS Health Event',
  source: 'aws.health',
  account: '123456789012',
  time: '2025-03-01T12:00:00Z',
  region: 'us-east-2',
  resources: [
    'i-1234567890abcdef0',
    'arn:aws:ec2:us-east-2:123456789012:instance/i-0fedcba987654321f'
  ],
  detail: {
    eventArn:
      'arn:aws:health:us-east-2::event/EC2/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED_ABC123',
    service: 'EC2',
    eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
    eventTypeCategory: 'scheduledChange',
    startTime: 'Sat, 15 Mar 2025 15:10:09 GMT',
    affectedEntities: [{ entityValue: 'i-1234567890abcdef0' }]
  }
}
const T = Date.parse('2025-03-01T12:00:00Z')
const QUEUE = 'https://sqs.us-east-2.amazonaws.com/123456789012/synkti-interruptions'

describe('parseEventBridgeMessage', () => {
  it('spot interruption warning -> notice with deadline = event time + 2 min', () => {
    expect(parseEventBridgeMessage(JSON.stringify(SPOT_WARNING), T + 1500)).toEqual({
      kind: 'event',
      event: {
        instanceId: 'i-1234567890abcdef0',
        kind: 'interruption-notice',
        action: 'terminate',
        deadline: T + 120_000,
        source: 'eventbridge',
        observedAt: T + 1500
      }
    })
  })

  it('stop and hibernate actions are kept', () => {
    for (const action of ['stop', 'hibernate'] as const) {
      const body = JSON.stringify({
        ...SPOT_WARNING,
        detail: { ...SPOT_WARNING.detail, 'instance-action': action }
      })
      const parsed = parseEventBridgeMessage(body)
      expect(parsed.kind === 'event' && parsed.event.action).toBe(action)
    }
  })

  it('rebalance recommendation -> rebalance-recommendation, observedAt defaults to the event time', () => {
    expect(parseEventBridgeMessage(JSON.stringify(REBALANCE))).toEqual({
      kind: 'event',
      event: {
        instanceId: 'i-1234567890abcdef0',
        kind: 'rebalance-recommendation',
        source: 'eventbridge',
        observedAt: Date.parse('2025-03-01T11:58:00Z')
      }
    })
  })

  it('unwraps an SNS envelope (EventBridge -> SNS -> SQS)', () => {
    const body = JSON.stringify({
      Type: 'Notification',
      MessageId: 'm',
      TopicArn: 'arn:aws:sns:us-east-2:1:t',
      Message: JSON.stringify(SPOT_WARNING)
    })
    expect(parseEventBridgeMessage(body).kind).toBe('event')
  })

  it('a state change to shutting-down/terminated/stopping/stopped -> state-change; running is ignored', () => {
    for (const [state, action] of [
      ['shutting-down', 'terminate'],
      ['terminated', 'terminate'],
      ['stopping', 'stop'],
      ['stopped', 'stop']
    ])
      expect(
        parseEventBridgeMessage(
          JSON.stringify({ ...STATE_CHANGE, detail: { ...STATE_CHANGE.detail, state } }),
          T
        )
      ).toEqual({
        kind: 'event',
        event: {
          instanceId: 'i-1234567890abcdef0',
          kind: 'state-change',
          action,
          detail: `state ${state}`,
          source: 'eventbridge',
          observedAt: T
        }
      })
  })

  it('an EC2 scheduled change from AWS Health puts each affected instance at risk from its start', () => {
    const at = (instanceId: string) => ({
      instanceId,
      kind: 'rebalance-recommendation',
      source: 'eventbridge',
      observedAt: T,
      detail: 'AWS Health AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED from 2025-03-15T15:10:09.000Z'
    })
    expect(parseEventBridgeMessage(JSON.stringify(HEALTH), T)).toEqual({
      kind: 'events',
      events: [at('i-1234567890abcdef0'), at('i-0fedcba987654321f')]
    })
    // other Health news (an issue, an account notification) is not about an instance's life
    const issue = { ...HEALTH, detail: { ...HEALTH.detail, eventTypeCategory: 'issue' } }
    expect(parseEventBridgeMessage(JSON.stringify(issue)).kind).toBe('ignored')
    const none = { ...HEALTH, resources: [], detail: { ...HEALTH.detail, affectedEntities: [] } }
    expect(parseEventBridgeMessage(JSON.stringify(none))).toEqual({
      kind: 'ignored',
      reason: 'AWS Health Event: names no instance'
    })
  })

  it('other detail-types and non-AWS sources are ignored, not errors', () => {
    expect(parseEventBridgeMessage(JSON.stringify(STATE_CHANGE)).kind).toBe('ignored')
    expect(
      parseEventBridgeMessage(JSON.stringify({ ...SPOT_WARNING, source: 'my.app' })).kind
    ).toBe('ignored')
  })

  it.each([
    ['not json', '{oops'],
    ['json array', '[1,2]'],
    ['no detail-type', JSON.stringify({ source: 'aws.ec2' })],
    ['bad time', JSON.stringify({ ...SPOT_WARNING, time: 'yesterday' })],
    [
      'bad instance id',
      JSON.stringify({
        ...SPOT_WARNING,
        detail: { 'instance-id': 'vm-1', 'instance-action': 'terminate' }
      })
    ],
    [
      'bad action',
      JSON.stringify({
        ...SPOT_WARNING,
        detail: { 'instance-id': 'i-1234567890abcdef0', 'instance-action': 'explode' }
      })
    ],
    ['no detail', JSON.stringify({ ...REBALANCE, detail: undefined })]
  ])('%s is malformed', (_, body) => {
    expect(parseEventBridgeMessage(body).kind).toBe('malformed')
  })
})

describe('SQS consumer', () => {
  const sqs = mockClient(SQSClient)
  beforeEach(() => {
    sqs.reset()
    sqs.on(DeleteMessageCommand).resolves({})
  })

  const message = (id: string, body: unknown) => ({
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: typeof body === 'string' ? body : JSON.stringify(body)
  })

  it('long-polls, delivers events once, and deletes handled, duplicate and malformed messages', async () => {
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        message('1', SPOT_WARNING),
        message('2', SPOT_WARNING), // duplicate delivery
        message('3', 'garbage'),
        message('4', REBALANCE),
        message('5', STATE_CHANGE)
      ]
    })
    const events: InterruptionEvent[] = []
    const warnings: string[] = []
    const clock = manualClock(T + 2000)
    const result = await receiveSqsBatchOnce(new SQSClient({ region: 'us-east-2' }), {
      queueUrl: QUEUE,
      signal: new AbortController().signal,
      onEvent: (e) => void events.push(e),
      log: { warn: (m) => warnings.push(m) },
      deduper: createInterruptionDeduper({ now: clock.now }),
      clock
    })

    expect(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input).toEqual({
      QueueUrl: QUEUE,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20
    })
    expect(events.map((e) => [e.kind, e.observedAt])).toEqual([
      ['interruption-notice', T + 2000],
      ['rebalance-recommendation', T + 2000]
    ])
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual(
      ['1', '2', '3', '4', '5'].map((id) => ({ QueueUrl: QUEUE, ReceiptHandle: `rh-${id}` }))
    )
    expect(result).toEqual({ received: 5, delivered: 2, deleted: 5, malformed: 1 })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('malformed message 3 deleted')
  })

  it('delivers an AWS Health message once per affected instance, then deletes it', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message('1', HEALTH)] })
    const events: InterruptionEvent[] = []
    const result = await receiveSqsBatchOnce(new SQSClient({ region: 'us-east-2' }), {
      queueUrl: QUEUE,
      signal: new AbortController().signal,
      onEvent: (e) => void events.push(e),
      deduper: createInterruptionDeduper()
    })
    expect(events.map((e) => [e.instanceId, e.kind])).toEqual([
      ['i-1234567890abcdef0', 'rebalance-recommendation'],
      ['i-0fedcba987654321f', 'rebalance-recommendation']
    ])
    expect(result).toEqual({ received: 1, delivered: 1, deleted: 1, malformed: 0 })
  })

  it('does not delete a message whose handler failed, so SQS redelivers it', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message('1', SPOT_WARNING)] })
    const errors: unknown[] = []
    const result = await receiveSqsBatchOnce(new SQSClient({ region: 'us-east-2' }), {
      queueUrl: QUEUE,
      signal: new AbortController().signal,
      onEvent: () => {
        throw new Error('engine busy')
      },
      onError: (e) => errors.push(e),
      deduper: createInterruptionDeduper()
    })
    expect(result.deleted).toBe(0)
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0)
    expect(errors).toHaveLength(1)
  })

  it('the loop backs off after a receive error and ends quietly on abort', async () => {
    const clock = manualClock(0)
    const ac = new AbortController()
    sqs
      .on(ReceiveMessageCommand)
      .rejectsOnce(new Error('socket hang up'))
      .callsFake(async () => {
        ac.abort() // stop after the second receive
        return { Messages: [message('1', REBALANCE)] }
      })
    const events: InterruptionEvent[] = []
    const errors: unknown[] = []
    const done = runSqsEventConsumer({
      queueUrl: QUEUE,
      client: new SQSClient({ region: 'us-east-2' }),
      signal: ac.signal,
      clock,
      errorBackoffMs: 5000,
      onEvent: (e) => void events.push(e),
      onError: (e) => errors.push(e)
    })
    await new Promise((r) => setImmediate(r))
    expect(errors).toHaveLength(1)
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1)
    await clock.advance(5000)
    await done
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(2)
    expect(events).toHaveLength(1)
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(1)
  })

  it('derives the region from the queue URL', () => {
    expect(regionOfQueue(QUEUE)).toBe('us-east-2')
    expect(regionOfQueue('https://sqs.eu-central-1.amazonaws.com/1/q')).toBe('eu-central-1')
  })
})
