import {
  DescribeInstancesCommand,
  DescribeSpotInstanceRequestsCommand,
  EC2Client,
  type SpotInstanceRequest
} from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { eventFromSpotRequest, interruptedAction, noticeAction } from './interruptions'
import { createAwsProvider } from './provider'
import { ec2Instance } from '../../../../test/support/ec2-objects'

const ec2 = mockClient(EC2Client)
const NOW = Date.parse('2025-03-01T12:00:30Z')
const NOTICE_AT = new Date('2025-03-01T12:00:00Z')

function request(
  id: string,
  instanceId: string,
  code: string,
  state = 'active'
): SpotInstanceRequest {
  return {
    SpotInstanceRequestId: id,
    InstanceId: instanceId,
    State: state as SpotInstanceRequest['State'],
    Type: 'one-time',
    Status: { Code: code, Message: `status ${code}`, UpdateTime: NOTICE_AT }
  }
}

describe('spot request status codes', () => {
  it.each([
    ['marked-for-termination', 'terminate'],
    ['marked-for-stop', 'stop'],
    ['marked-for-hibernation', 'hibernate'],
    ['marked-for-stop-by-experiment', 'stop']
  ])('%s is a notice to %s', (code, action) => {
    expect(noticeAction(code)).toBe(action)
  })

  it.each([
    ['instance-terminated-by-price', 'terminate'],
    ['instance-terminated-no-capacity', 'terminate'],
    ['instance-terminated-capacity-oversubscribed', 'terminate'],
    ['instance-stopped-no-capacity', 'stop'],
    ['instance-hibernated-by-price', 'hibernate']
  ])('%s is an interruption that already happened (%s)', (code, action) => {
    expect(interruptedAction(code)).toBe(action)
  })

  it.each([
    'fulfilled',
    'pending-fulfillment',
    'instance-terminated-by-user',
    'instance-stopped-by-user',
    'capacity-not-available'
  ])('%s is not an interruption', (code) => {
    expect(noticeAction(code)).toBeUndefined()
    expect(interruptedAction(code)).toBeUndefined()
  })

  it('a notice gets deadline = status UpdateTime + 120 s', () => {
    expect(eventFromSpotRequest(request('sir-1', 'i-1', 'marked-for-termination'), NOW)).toEqual({
      instanceId: 'i-1',
      kind: 'interruption-notice',
      action: 'terminate',
      deadline: NOTICE_AT.getTime() + 120_000,
      source: 'ec2-api',
      observedAt: NOW,
      detail: 'marked-for-termination'
    })
  })
})

describe('interruptionStatus', () => {
  beforeEach(() => ec2.reset())

  it('reads the fleet instances, then their spot requests, and reports notices and reclaims', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            ec2Instance({
              InstanceId: 'i-0ccccccccccccccc1',
              InstanceLifecycle: 'spot',
              SpotInstanceRequestId: 'sir-aaaa1'
            }),
            ec2Instance({
              InstanceId: 'i-0ccccccccccccccc2',
              InstanceLifecycle: 'spot',
              SpotInstanceRequestId: 'sir-aaaa2'
            }),
            ec2Instance({
              InstanceId: 'i-0ccccccccccccccc3',
              InstanceLifecycle: 'spot',
              SpotInstanceRequestId: 'sir-aaaa3',
              State: { Name: 'terminated', Code: 48 },
              StateReason: {
                Code: 'Server.SpotInstanceTermination',
                Message: 'Server.SpotInstanceTermination: Spot instance termination'
              }
            }),
            ec2Instance({ InstanceId: 'i-0ccccccccccccccc4' }) // on-demand: no spot request
          ]
        }
      ]
    })
    ec2
      .on(DescribeSpotInstanceRequestsCommand)
      .resolvesOnce({
        SpotInstanceRequests: [
          request('sir-aaaa1', 'i-0ccccccccccccccc1', 'marked-for-stop'),
          request('sir-aaaa2', 'i-0ccccccccccccccc2', 'fulfilled')
        ],
        NextToken: 'next'
      })
      .resolvesOnce({
        SpotInstanceRequests: [
          request('sir-aaaa3', 'i-0ccccccccccccccc3', 'instance-terminated-no-capacity', 'closed')
        ]
      })

    const ids = [
      'i-0ccccccccccccccc1',
      'i-0ccccccccccccccc2',
      'i-0ccccccccccccccc3',
      'i-0ccccccccccccccc4'
    ]
    const events = await createAwsProvider({
      region: 'us-east-1',
      now: () => NOW
    }).interruptionStatus(ids)

    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'tag:synkti:fleet', Values: ['synkti'] },
      { Name: 'instance-id', Values: ids }
    ])
    expect(ec2.commandCalls(DescribeSpotInstanceRequestsCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'spot-instance-request-id', Values: ['sir-aaaa1', 'sir-aaaa2', 'sir-aaaa3'] }
    ])
    expect(ec2.commandCalls(DescribeSpotInstanceRequestsCommand)).toHaveLength(2)
    expect(events).toEqual([
      {
        instanceId: 'i-0ccccccccccccccc3',
        kind: 'state-change',
        action: 'terminate',
        source: 'ec2-api',
        observedAt: NOW,
        detail: 'Server.SpotInstanceTermination'
      },
      {
        instanceId: 'i-0ccccccccccccccc1',
        kind: 'interruption-notice',
        action: 'stop',
        deadline: NOTICE_AT.getTime() + 120_000,
        source: 'ec2-api',
        observedAt: NOW,
        detail: 'marked-for-stop'
      }
    ])
  })

  it('asks nothing when given no ids or when no instance is spot', async () => {
    const p = createAwsProvider({ region: 'us-east-1' })
    expect(await p.interruptionStatus([])).toEqual([])
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0)
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [ec2Instance({ InstanceId: 'i-0ccccccccccccccc9' })] }]
    })
    expect(await p.interruptionStatus(['i-0ccccccccccccccc9'])).toEqual([])
    expect(ec2.commandCalls(DescribeSpotInstanceRequestsCommand)).toHaveLength(0)
  })
})
