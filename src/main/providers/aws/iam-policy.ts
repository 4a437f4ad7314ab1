// The least the fleet needs, for the README and `synkti iam-policy`. Describe* calls cannot be scoped
// to resources in IAM, so they take "*"; everything that changes something is scoped by the fleet tag:
// RunInstances only with the tag in the request, CreateTags only as part of RunInstances (or on
// already-owned instances, never touching the fleet tag), TerminateInstances only on tagged instances.

import { FLEET_TAG_KEY } from '../types'

export interface IamPolicyOptions {
  /** the fleet tag value (default 'synkti') */
  fleetTag?: string
  /** role the instances get through their instance profile; omit when no instance profile is used */
  instanceRoleArn?: string
  /** the optional EventBridge -> SQS interruption queue */
  queueArn?: string
}

type Statement = Record<string, unknown>

function describeStatement(): Statement {
  return {
    Sid: 'SynktiDescribe',
    Effect: 'Allow',
    Action: [
      'ec2:DescribeImages',
      'ec2:DescribeInstances',
      'ec2:DescribeInstanceTypes',
      'ec2:DescribeSpotPriceHistory',
      'ec2:DescribeSpotInstanceRequests'
    ],
    Resource: '*'
  }
}

function launchStatements(tag: string): Statement[] {
  return [
    {
      // the resources RunInstances creates must carry the fleet tag in the request itself
      Sid: 'SynktiRunTaggedInstances',
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:*:*:volume/*'],
      Condition: { StringEquals: { [`aws:RequestTag/${FLEET_TAG_KEY}`]: tag } }
    },
    {
      // resources RunInstances uses or creates without tags of its own
      Sid: 'SynktiRunUsingResources',
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: [
        'arn:aws:ec2:*::image/*',
        'arn:aws:ec2:*::snapshot/*',
        'arn:aws:ec2:*:*:subnet/*',
        'arn:aws:ec2:*:*:network-interface/*',
        'arn:aws:ec2:*:*:security-group/*',
        'arn:aws:ec2:*:*:key-pair/*',
        'arn:aws:ec2:*:*:launch-template/*',
        'arn:aws:ec2:*:*:spot-instances-request/*'
      ]
    },
    {
      Sid: 'SynktiTagOnLaunch',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:*:*:volume/*'],
      Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } }
    }
  ]
}

function ownedStatements(tag: string): Statement[] {
  const owned = { [`aws:ResourceTag/${FLEET_TAG_KEY}`]: tag }
  return [
    {
      // tagInstance (e.g. synkti:model) on instances the fleet already owns, never the fleet tag itself
      Sid: 'SynktiRetagOwned',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: {
        StringEquals: owned,
        'ForAllValues:StringNotEquals': { 'aws:TagKeys': [FLEET_TAG_KEY] }
      }
    },
    {
      Sid: 'SynktiTerminateOwned',
      Effect: 'Allow',
      Action: 'ec2:TerminateInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { StringEquals: owned }
    }
  ]
}

export function fleetIamPolicy(opts: IamPolicyOptions = {}): {
  Version: string
  Statement: Statement[]
} {
  const tag = opts.fleetTag ?? 'synkti'
  const statements = [describeStatement(), ...launchStatements(tag), ...ownedStatements(tag)]
  statements.push({
    Sid: 'SynktiPassInstanceRole',
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: opts.instanceRoleArn ?? 'arn:aws:iam::*:role/synkti-*',
    Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } }
  })
  statements.push({
    Sid: 'SynktiInterruptionQueue',
    Effect: 'Allow',
    Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
    Resource: opts.queueArn ?? 'arn:aws:sqs:*:*:synkti-*'
  })
  return { Version: '2012-10-17', Statement: statements }
}

/**
 * The default policy (fleet tag 'synkti'). iam:PassRole is only used when launch.instanceProfile is
 * set and the SQS statement only with the optional interruption queue; both may be dropped otherwise.
 */
export const FLEET_IAM_POLICY = fleetIamPolicy()
