import { describe, expect, it } from 'vitest'
import {
  agentRolePolicy,
  checkpointPrefix,
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

  it('the names setup gives fit their service: S3 (3-63, lowercase), SQS (80), rules and IAM (64)', () => {
    for (const tag of ['synkti', 'Team/ML+GPU=1@corp.example', 'z'.repeat(128)]) {
      const n = fleetResourceNames(tag, 'ap-southeast-2', '123456789012')
      expect(n.bucket).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/)
      expect(n.interruptionQueue).toMatch(/^[\w-]{1,80}$/)
      for (const r of Object.values(n.rules)) expect(r).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/)
      expect(n.reportsQueue).toMatch(/^[\w-]{1,75}\.fifo$/)
      // IAM: role and instance profile names are at most 64 of letters, digits and +=,.@_-
      expect(n.role).toMatch(/^[\w+=,.@-]{1,64}$/)
      expect(n.instanceProfile).toMatch(/^[\w+=,.@-]{1,64}$/)
      expect(n.role.startsWith('synkti-') && n.bucket.startsWith('synkti-')).toBe(true)
      expect(n.securityGroup).toMatch(/^synkti-[a-z0-9-]+-model$/)
    }
  })

  it('the agent role may tag only its own instance and reaches only its fleet resources', () => {
    const n = fleetResourceNames('lab', 'us-east-1', '123456789012')
    expect(agentRolePolicy(n).Statement).toEqual([
      {
        Sid: 'SynktiAgentReports',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: 'arn:aws:sqs:*:123456789012:synkti-lab-reports.fifo'
      },
      {
        Sid: 'SynktiAgentTagsItself',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: 'arn:aws:ec2:*:123456789012:instance/*',
        Condition: {
          StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' },
          'ForAllValues:StringLike': { 'aws:TagKeys': ['synkti:endpoint', 'synkti:event:*'] }
        }
      },
      {
        Sid: 'SynktiAgentCheckpoints',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: 'arn:aws:s3:::synkti-123456789012-*/checkpoints/lab/*'
      },
      {
        Sid: 'SynktiAgentListCheckpoints',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::synkti-123456789012-*',
        Condition: { StringLike: { 's3:prefix': ['checkpoints/lab/*'] } }
      },
      {
        Sid: 'SynktiAgentSecrets',
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: 'arn:aws:ssm:*:123456789012:parameter/synkti/*'
      }
    ])
    // a job's boot script syncs exactly under what the role may touch
    expect(checkpointPrefix('lab', 'finetune')).toBe('checkpoints/lab/finetune/')
    expect(checkpointPrefix('Team/ML', 'ft')).toBe(`checkpoints/${fleetSlug('Team/ML')}/ft/`)
  })

  it('the agent channel finds what setup creates: the same names', () => {
    const n = fleetResourceNames('lab', 'eu-west-1', '123456789012')
    expect([n.reportsQueue, n.role, n.instanceProfile, n.bucket]).toEqual([
      'synkti-lab-reports.fifo',
      'synkti-lab-agent',
      'synkti-lab-agent',
      'synkti-123456789012-eu-west-1'
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
