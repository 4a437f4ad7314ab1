import { describe, expect, it } from 'vitest'
import {
  agentRolePolicy,
  fleetResourceNames,
  fleetSlug,
  interruptionQueuePolicy,
  INTERRUPTION_RULES
} from './resources'

describe('fleet resource names', () => {
  it('a plain tag is used as is; one that had to change gets a hash, so two tags never collide', () => {
    expect(fleetSlug('lab')).toBe('lab')
    expect(fleetSlug('a_b')).toMatch(/^a-b-[0-9a-f]{6}$/)
    expect(fleetSlug('a_b')).not.toBe(fleetSlug('a-b'))
    expect(fleetSlug('A:B')).not.toBe(fleetSlug('a:b'))
    expect(fleetSlug('x'.repeat(128))).toHaveLength(24)
  })

  it('every name fits its service: S3 (3-63, lowercase), SQS (80), IAM role (64), rules (64)', () => {
    for (const tag of ['synkti', 'Team/ML+GPU=1@corp.example', 'z'.repeat(128)]) {
      const n = fleetResourceNames(tag, 'ap-southeast-2', '123456789012')
      expect(n.bucket).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/)
      for (const q of [n.interruptionQueue, n.reportsQueue]) expect(q).toMatch(/^[\w-]{1,80}$/)
      expect(n.role).toMatch(/^[\w+=,.@-]{1,64}$/)
      for (const r of Object.values(n.rules)) expect(r).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/)
      expect(n.role.startsWith('synkti-') && n.bucket.startsWith('synkti-')).toBe(true)
    }
  })

  it('the agent role may tag only its own instance and reaches only its fleet resources', () => {
    const n = fleetResourceNames('lab', 'us-east-1', '123456789012')
    const p = agentRolePolicy(n)
    expect(p.Statement).toEqual([
      {
        Sid: 'TagOnlyItself',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: 'arn:aws:ec2:us-east-1:123456789012:instance/*',
        Condition: { StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' } }
      },
      {
        Sid: 'SendReports',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: 'arn:aws:sqs:us-east-1:123456789012:synkti-lab-us-east-1-reports'
      },
      {
        Sid: 'ReadAgentBundle',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::synkti-lab-123456789012-us-east-1/bundles/*'
      },
      {
        Sid: 'ReadSynktiParameters',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameters'],
        Resource: 'arn:aws:ssm:us-east-1:123456789012:parameter/synkti/*'
      }
    ])
  })

  it('only this fleet’s four rules may send to the interruption queue', () => {
    const n = fleetResourceNames('lab', 'us-east-1', '123456789012')
    const allow = interruptionQueuePolicy(n).Statement[0] as {
      Condition: { ArnEquals: { 'aws:SourceArn': string[] } }
    }
    expect(allow.Condition.ArnEquals['aws:SourceArn']).toEqual(
      Object.keys(INTERRUPTION_RULES).map(
        (k) => `arn:aws:events:us-east-1:123456789012:rule/synkti-lab-us-east-1-${k}`
      )
    )
  })
})
