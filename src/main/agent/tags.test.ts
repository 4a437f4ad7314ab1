import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, describe, expect, it } from 'vitest'
import type { DrainResult, InterruptionEvent } from '../../shared/fleet'
import { systemClock } from '../clock'
import { startCockpitStub, type CockpitStub } from '../../../test/fixtures/cockpit-stub'
import { createCockpitClient } from './cockpit'
import { formatLogLine } from '../logging/log'
import { createEc2TagRecorder } from './tag-recorder'
import { buildAgentTags, parseAgentTags } from './tags'

const event: InterruptionEvent = {
  instanceId: 'i-1',
  kind: 'interruption-notice',
  action: 'terminate',
  deadline: Date.parse('2026-11-23T14:00:00Z'),
  source: 'imds',
  observedAt: Date.parse('2026-11-23T13:58:00.123Z')
}
const drained: DrainResult = {
  outcome: 'timed-out',
  startedAt: 1,
  endedAt: 2,
  deregisterMs: 0,
  lastRunning: 3,
  lastWaiting: 0,
  reason: 'x'.repeat(400)
}

describe('agent tags', () => {
  it('round-trips an event with its drain outcome, within 256 characters', () => {
    const tags = buildAgentTags({ instanceId: 'i-1', event, drain: drained })
    const value = tags['synkti:event:interruption-notice']
    expect(value.length).toBeLessThanOrEqual(256)
    const [record] = parseAgentTags(tags, 'i-1')
    expect(record.event).toEqual({
      ...event,
      source: 'instance-tags',
      detail: 'recorded by the agent from imds'
    })
    expect(record.drainOutcome).toBe('timed-out')
    expect(record.drainReason).toMatch(/^x+…$/)
  })

  it('ignores tags that are not ours or do not parse', () => {
    const records = parseAgentTags({
      Name: 'gpu-1',
      'synkti:fleet': 'a',
      'synkti:event:interruption-notice': '{not json',
      'synkti:event:bogus-kind': '{"t":1}',
      'synkti:event:rebalance-recommendation': '{"t":5,"s":"imds"}'
    })
    expect(records).toHaveLength(1)
    expect(records[0].event).toMatchObject({
      kind: 'rebalance-recommendation',
      observedAt: 5,
      instanceId: ''
    })
  })

  it('the EC2 recorder sends CreateTags for the instance', async () => {
    const ec2 = mockClient(EC2Client)
    ec2.on(CreateTagsCommand).resolves({})
    try {
      const record = createEc2TagRecorder({ region: 'us-east-1' })
      await record('i-1', { 'synkti:event:interruption-notice': '{"t":1}' })
      const calls = ec2.commandCalls(CreateTagsCommand)
      expect(calls).toHaveLength(1)
      expect(calls[0].args[0].input).toEqual({
        Resources: ['i-1'],
        Tags: [{ Key: 'synkti:event:interruption-notice', Value: '{"t":1}' }]
      })
    } finally {
      ec2.restore()
    }
  })
})

describe('cockpit client', () => {
  let stub: CockpitStub | undefined
  afterEach(async () => {
    await stub?.close()
    stub = undefined
  })

  it('retries 503 with backoff and stops after the bounded attempts', async () => {
    stub = await startCockpitStub('t')
    stub.failWith = 503
    const client = createCockpitClient({
      cockpitUrl: stub.url + '/',
      token: 't',
      clock: systemClock,
      retry: { attempts: 3, baseMs: 5, maxMs: 10 }
    })
    expect(await client.post('/api/agent/events', { a: 1 })).toEqual({
      ok: false,
      attempts: 3,
      reason: 'HTTP 503'
    })
    stub.failWith = undefined
    expect(await client.post('/api/agent/events', { a: 2 })).toEqual({ ok: true, attempts: 1 })
    expect(stub.events).toEqual([{ a: 2 }])
  })
})

describe('log lines', () => {
  it('one line: time, component, action, fields; quoted only when needed', () => {
    expect(
      formatLogLine(Date.parse('2026-11-23T14:00:00Z'), 'agent', 'notice', {
        action: 'terminate',
        skip: undefined,
        reason: 'a b'
      })
    ).toBe('2026-11-23T14:00:00.000Z agent notice action=terminate reason="a b"')
  })
})
