import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message
} from '@aws-sdk/client-sqs'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../clock'
import { manualClock } from '../../../../test/support/manual-clock'
import {
  agentRolePolicyStatements,
  createSqsReportSender,
  instanceRoleSender,
  ownedByListing,
  reportEnvelope,
  reportsQueueName,
  runAgentChannel,
  type ChannelOutcome,
  type ReportKind
} from './agent-channel'

const sqs = mockClient(SQSClient)
afterEach(() => sqs.reset())

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/synkti-lab-reports.fifo'
const ROLE = 'AROAEXAMPLEROLEID01'
const OURS = 'i-0123456789abcdef0'

function message(n: number, body: unknown, sender?: string): Message {
  return {
    MessageId: `m-${n}`,
    ReceiptHandle: `rh-${n}`,
    Body: typeof body === 'string' ? body : JSON.stringify(body),
    Attributes: sender ? { SenderId: sender } : {}
  }
}

const heartbeat = (instanceId: string, id?: string): ReturnType<typeof reportEnvelope> =>
  reportEnvelope(
    'heartbeat',
    { instanceId, at: 1, state: 'watching' } as { instanceId: string },
    id
  )

/** serves `batches` one per ReceiveMessage, then aborts the loop */
async function runBatches(
  batches: Message[][],
  sink: (kind: ReportKind, body: unknown) => Promise<void>,
  owned: (id: string) => Promise<boolean> = async (id) => id === OURS
): Promise<{ outcomes: ChannelOutcome[]; deleted: string[]; logs: string[] }> {
  const stop = new AbortController()
  let served = 0
  sqs.on(ReceiveMessageCommand).callsFake(async () => {
    if (served >= batches.length) stop.abort()
    return { Messages: batches[served++] ?? [] }
  })
  const deleted: string[] = []
  sqs.on(DeleteMessageCommand).callsFake(async (input) => void deleted.push(input.ReceiptHandle))
  const outcomes: ChannelOutcome[] = []
  const logs: string[] = []
  await runAgentChannel({
    client: new SQSClient({ region: 'us-east-1' }),
    queueUrl: QUEUE,
    sink,
    owned,
    senderCheck: instanceRoleSender(ROLE),
    signal: stop.signal,
    clock: systemClock,
    log: (l) => logs.push(l),
    waitSeconds: 0,
    onOutcome: (o) => outcomes.push(o)
  })
  return { outcomes, deleted, logs }
}

describe('instanceRoleSender (the real SenderId rule)', () => {
  it('accepts only the agents role session named after the instance the report is about', () => {
    const strict = instanceRoleSender(ROLE)
    expect(strict(`${ROLE}:${OURS}`, OURS)).toBe(true)
    expect(strict(`${ROLE}:i-0fffffffffffffff0`, OURS)).toBe(false) // another instance of the fleet
    expect(strict(`AROAOTHERROLE0000001:${OURS}`, OURS)).toBe(false) // another role
    expect(strict('AIDAIT2UOQQY3AUEKVGXU', OURS)).toBe(false) // an IAM user (moto's fixed sender)
    expect(strict(undefined, OURS)).toBe(false)
    const loose = instanceRoleSender()
    expect(loose(`AROAOTHERROLE0000001:${OURS}`, OURS)).toBe(true)
    expect(loose(`AIDAIT2UOQQY3AUEKVGXU:${OURS}`, OURS)).toBe(false) // a user, not a role session
  })
})

describe('runAgentChannel', () => {
  it('stores a report from its own instance once, and refuses forged, foreign and malformed ones', async () => {
    const stored: unknown[] = []
    const ok = heartbeat(OURS)
    const { outcomes, deleted, logs } = await runBatches(
      [
        [
          message(1, ok, `${ROLE}:${OURS}`),
          message(2, heartbeat(OURS), `${ROLE}:i-0fffffffffffffff0`), // speaks for another instance
          message(3, heartbeat('i-0aaaaaaaaaaaaaaa0'), `${ROLE}:i-0aaaaaaaaaaaaaaa0`), // not ours
          message(4, 'not json', `${ROLE}:${OURS}`)
        ],
        [message(5, ok, `${ROLE}:${OURS}`)] // redelivered: same report id
      ],
      async (_kind, body) => void stored.push(body)
    )
    expect(stored).toEqual([ok.report])
    expect(outcomes.map((o) => o.kind)).toEqual([
      'stored',
      'refused',
      'refused',
      'refused',
      'duplicate'
    ])
    // every handled message leaves the queue: nothing is redelivered forever
    expect(deleted).toEqual(['rh-1', 'rh-2', 'rh-3', 'rh-4', 'rh-5'])
    expect(logs.join('\n')).toContain(`may not report for ${OURS}`)
    expect(logs.join('\n')).toContain('i-0aaaaaaaaaaaaaaa0 is not an instance of this fleet')
  })

  it('leaves a report the sink could not store in the queue, and refuses one it calls malformed', async () => {
    const badRequest = Object.assign(new Error('agent heartbeat report: at: expected number'), {
      badRequest: true
    })
    let calls = 0
    const { outcomes, deleted } = await runBatches(
      [
        [message(1, heartbeat(OURS), `${ROLE}:${OURS}`)],
        [message(2, heartbeat(OURS), `${ROLE}:${OURS}`)]
      ],
      async () => {
        calls++
        throw calls === 1 ? new Error('history: disk full') : badRequest
      }
    )
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'refused'])
    expect(deleted).toEqual(['rh-2'])
  })
})

describe('createSqsReportSender', () => {
  it('sends one FIFO message per report, grouped by instance, deduplicated by the report id', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'x' })
    const sender = createSqsReportSender({
      queueUrl: QUEUE,
      client: new SQSClient({ region: 'us-east-1' })
    })
    expect(await sender.send('events', { instanceId: OURS }, 'report-id-1')).toEqual({ ok: true })
    const input = sqs.commandCalls(SendMessageCommand)[0].args[0].input
    expect(input).toMatchObject({
      QueueUrl: QUEUE,
      MessageGroupId: OURS,
      MessageDeduplicationId: 'report-id-1'
    })
    expect(JSON.parse(input.MessageBody!)).toEqual({
      v: 1,
      id: 'report-id-1',
      kind: 'events',
      report: { instanceId: OURS }
    })
    sqs.on(SendMessageCommand).rejects(new Error('AccessDenied'))
    expect(await sender.send('events', { instanceId: OURS })).toMatchObject({ ok: false })
  })
})

describe('names and the agents role policy', () => {
  it('lets an agent send reports and tag only itself with Synkti keys', () => {
    expect(reportsQueueName('lab')).toBe('synkti-lab-reports.fifo')
    const statements = agentRolePolicyStatements({
      reportsQueueArn: 'arn:aws:sqs:us-east-1:123456789012:synkti-lab-reports.fifo',
      parameterPrefix: '/synkti/lab/*'
    })
    expect(statements.map((s) => s.Action)).toEqual([
      'sqs:SendMessage',
      'ec2:CreateTags',
      'ssm:GetParameter'
    ])
    expect(statements[1].Condition).toEqual({
      StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' },
      'ForAllValues:StringLike': { 'aws:TagKeys': ['synkti:endpoint', 'synkti:event:*'] }
    })
    expect(statements[2].Resource).toBe('arn:aws:ssm:*:*:parameter/synkti/lab/*')
  })
})

describe('ownedByListing (which instances may report)', () => {
  it('keeps an instance the fleet listed after the listing drops it, and lists at most once a second', async () => {
    const clock = manualClock(0)
    let listing = [{ id: 'i-0aaaaaaaaaaaaaaa1' }]
    let lists = 0
    const owned = ownedByListing(async () => (lists++, listing), clock)
    expect(await owned('i-0aaaaaaaaaaaaaaa1')).toBe(true)
    // terminated: gone from the listing, but its last reports (a drain report) are still its own
    listing = []
    clock.advance(60_000)
    expect(await owned('i-0aaaaaaaaaaaaaaa1')).toBe(true)
    // a stranger is refused; asking again within the second does not list again
    expect(await owned('i-0ffffffffffffffff')).toBe(false)
    expect(await owned('i-0ffffffffffffffff')).toBe(false)
    expect(lists).toBe(2)
    // a new instance is found by the next listing
    listing = [{ id: 'i-0aaaaaaaaaaaaaaa2' }]
    clock.advance(1000)
    expect(await owned('i-0aaaaaaaaaaaaaaa2')).toBe(true)
    expect(lists).toBe(3)
  })
})
