import { describe, expect, it } from 'vitest'
import { FLEET_IAM_POLICY, fleetIamPolicy } from './iam-policy'

type Stmt = {
  Sid: string
  Action: string | string[]
  Resource: string | string[]
  Condition?: Record<string, Record<string, unknown>>
}
const statements = (p: { Statement: unknown[] }) => p.Statement as Stmt[]
const bySid = (p: { Statement: unknown[] }, sid: string) =>
  statements(p).find((s) => s.Sid === sid)!

describe('FLEET_IAM_POLICY', () => {
  it('grants exactly the actions the fleet uses', () => {
    const actions = statements(FLEET_IAM_POLICY).flatMap((s) => [s.Action].flat())
    expect([...new Set(actions)].sort()).toEqual([
      'ec2:CreateTags',
      'ec2:DescribeImages',
      'ec2:DescribeInstanceTypes',
      'ec2:DescribeInstances',
      'ec2:DescribeSpotInstanceRequests',
      'ec2:DescribeSpotPriceHistory',
      'ec2:RunInstances',
      'ec2:TerminateInstances',
      'iam:PassRole',
      'sqs:DeleteMessage',
      'sqs:ReceiveMessage'
    ])
  })

  it('scopes terminate, launch and tagging by the fleet tag', () => {
    const p = fleetIamPolicy({ fleetTag: 'lab' })
    expect(bySid(p, 'SynktiTerminateOwned').Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/synkti:fleet': 'lab' }
    })
    expect(bySid(p, 'SynktiRunTaggedInstances').Condition).toEqual({
      StringEquals: { 'aws:RequestTag/synkti:fleet': 'lab' }
    })
    expect(bySid(p, 'SynktiTagOnLaunch').Condition).toEqual({
      StringEquals: { 'ec2:CreateAction': 'RunInstances' }
    })
    expect(JSON.parse(JSON.stringify(p))).toEqual(p)
  })
})
