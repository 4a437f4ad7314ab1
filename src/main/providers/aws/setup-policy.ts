// The IAM policy the operator's own identity needs for everything Synkti does with it: the fleet
// (iam-policy.ts), the Deep Learning AMI lookup, prices, ELBv2 target groups, and `synkti aws setup`
// / `teardown`. Printed by `synkti aws policy`; aws-setup.test.ts records every call the code makes
// against the emulator and checks each one is allowed here.

import { FLEET_TAG_KEY } from '../types'
import { fleetIamPolicy } from './iam-policy'

type Statement = Record<string, unknown>
export interface PolicyDocument {
  Version: string
  Statement: Statement[]
}

function setupStatements(tag: string): Statement[] {
  const owned = { StringEquals: { [`aws:ResourceTag/${FLEET_TAG_KEY}`]: tag } }
  return [
    {
      Sid: 'SynktiAmiParameter',
      Effect: 'Allow',
      Action: 'ssm:GetParameter',
      Resource: 'arn:aws:ssm:*::parameter/aws/service/deeplearning/*'
    },
    // the Price List API and these reads cannot be scoped to resources
    {
      Sid: 'SynktiPricesAndReads',
      Effect: 'Allow',
      Action: [
        'pricing:GetProducts',
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'ec2:DescribeVpcs',
        'ec2:DescribeSecurityGroups'
      ],
      Resource: '*'
    },
    {
      Sid: 'SynktiTargetGroups',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      Resource: 'arn:aws:elasticloadbalancing:*:*:targetgroup/*/*'
    },
    {
      Sid: 'SynktiSetupQueues',
      Effect: 'Allow',
      Action: [
        'sqs:CreateQueue',
        'sqs:GetQueueUrl',
        'sqs:GetQueueAttributes',
        'sqs:SetQueueAttributes',
        'sqs:ListQueueTags',
        'sqs:TagQueue',
        'sqs:DeleteQueue',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage'
      ],
      Resource: 'arn:aws:sqs:*:*:synkti-*'
    },
    {
      Sid: 'SynktiSetupRules',
      Effect: 'Allow',
      Action: [
        'events:PutRule',
        'events:DescribeRule',
        'events:ListTagsForResource',
        'events:TagResource',
        'events:PutTargets',
        'events:ListTargetsByRule',
        'events:RemoveTargets',
        'events:DeleteRule'
      ],
      Resource: 'arn:aws:events:*:*:rule/synkti-*'
    },
    {
      Sid: 'SynktiSetupAgentRole',
      Effect: 'Allow',
      Action: [
        'iam:CreateRole',
        'iam:GetRole',
        'iam:TagRole',
        'iam:PutRolePolicy',
        'iam:GetRolePolicy',
        'iam:ListRolePolicies',
        'iam:DeleteRolePolicy',
        'iam:DeleteRole',
        'iam:CreateInstanceProfile',
        'iam:GetInstanceProfile',
        'iam:TagInstanceProfile',
        'iam:AddRoleToInstanceProfile',
        'iam:RemoveRoleFromInstanceProfile',
        'iam:DeleteInstanceProfile'
      ],
      Resource: ['arn:aws:iam::*:role/synkti-*', 'arn:aws:iam::*:instance-profile/synkti-*']
    },
    {
      Sid: 'SynktiSetupBucket',
      Effect: 'Allow',
      Action: [
        's3:CreateBucket',
        's3:ListBucket',
        's3:GetBucketTagging',
        's3:PutBucketTagging',
        's3:PutEncryptionConfiguration',
        's3:PutBucketPublicAccessBlock',
        's3:DeleteBucket'
      ],
      Resource: 'arn:aws:s3:::synkti-*'
    },
    {
      // agent bundles up, checkpoints in and out, everything out at teardown
      Sid: 'SynktiBucketObjects',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
      Resource: 'arn:aws:s3:::synkti-*/*'
    },
    {
      Sid: 'SynktiCreateTaggedSecurityGroup',
      Effect: 'Allow',
      Action: 'ec2:CreateSecurityGroup',
      Resource: 'arn:aws:ec2:*:*:security-group/*',
      Condition: { StringEquals: { [`aws:RequestTag/${FLEET_TAG_KEY}`]: tag } }
    },
    {
      Sid: 'SynktiSecurityGroupInVpc',
      Effect: 'Allow',
      Action: 'ec2:CreateSecurityGroup',
      Resource: 'arn:aws:ec2:*:*:vpc/*'
    },
    {
      Sid: 'SynktiTagSecurityGroupOnCreate',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: 'arn:aws:ec2:*:*:security-group/*',
      Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' } }
    },
    {
      Sid: 'SynktiOwnSecurityGroup',
      Effect: 'Allow',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:DeleteSecurityGroup'],
      Resource: 'arn:aws:ec2:*:*:security-group/*',
      Condition: owned
    }
  ]
}

/** everything the operator's identity needs; `fleetTag` scopes the tag conditions (default 'synkti') */
export function operatorIamPolicy(opts: { fleetTag?: string } = {}): PolicyDocument {
  const tag = opts.fleetTag ?? 'synkti'
  const fleet = fleetIamPolicy({ fleetTag: tag })
  return { Version: fleet.Version, Statement: [...fleet.Statement, ...setupStatements(tag)] }
}

const asList = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []

function wildcard(pattern: string): RegExp {
  return new RegExp(
    '^' +
      pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
    'i'
  )
}

/** whether some Allow statement names this action (conditions and resources are not evaluated) */
export function policyAllowsAction(policy: PolicyDocument, action: string): boolean {
  return policy.Statement.some(
    (s) => s.Effect === 'Allow' && asList(s.Action).some((a) => wildcard(a).test(action))
  )
}
