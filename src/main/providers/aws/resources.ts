// The names of the AWS resources one fleet uses in one region, and the agents' role policy: one module
// so `synkti aws setup` (which creates them), the runtime and the node agent's channel find the same
// things. Every name starts with `synkti-`, which is what the operator policy's resource patterns
// (iam-policy.ts, setup-policy.ts) allow.

import { createHash } from 'node:crypto'
import { FLEET_TAG_KEY } from '../types'

/** set on every resource `synkti aws setup` creates, beside the fleet tag: teardown removes only these */
export const SETUP_TAG_KEY = 'synkti:created-by'
export const SETUP_TAG_VALUE = 'synkti-aws-setup'

/** object key prefixes in the fleet's bucket */
export const BUNDLE_PREFIX = 'bundles/'
export const CHECKPOINT_PREFIX = 'checkpoints/'
/** SSM Parameter Store prefix agents may read (e.g. /synkti/hf-token for a gated model) */
export const SSM_PREFIX = '/synkti/'

/** the four EventBridge rules that feed the interruption queue, by their name suffix */
export const INTERRUPTION_RULES = {
  'spot-interruption': {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Spot Instance Interruption Warning']
  },
  rebalance: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
  'state-change': {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Instance State-change Notification'],
    // only the states that end an instance: running/pending changes are not interruptions
    detail: { state: ['stopping', 'stopped', 'shutting-down', 'terminated'] }
  },
  'scheduled-change': {
    source: ['aws.health'],
    'detail-type': ['AWS Health Event'],
    detail: { service: ['EC2'], eventTypeCategory: ['scheduledChange'] }
  }
} as const
export type InterruptionRule = keyof typeof INTERRUPTION_RULES

export interface FleetResourceNames {
  fleetTag: string
  region: string
  accountId: string
  /** the part of every name that stands for the fleet tag (lowercase, [a-z0-9-]) */
  slug: string
  interruptionQueue: string
  reportsQueue: string
  /** S3 bucket for agent bundles (BUNDLE_PREFIX) and checkpoints (CHECKPOINT_PREFIX) */
  bucket: string
  role: string
  instanceProfile: string
  securityGroup: string
  /** EventBridge rule names, one per INTERRUPTION_RULES entry */
  rules: Record<InterruptionRule, string>
  /** the name of the agents' inline role policy */
  rolePolicy: string
}

const SLUG_MAX = 24

/**
 * The fleet tag as a name part: lowercase letters, digits and `-` (what S3, SQS, IAM and EventBridge
 * all accept). A tag that had to be changed to fit gets a short hash of the original, so two tags
 * never share resources ("a_b" and "a-b" differ).
 */
export function fleetSlug(fleetTag: string): string {
  const plain = fleetTag
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/-{2,}/g, '-')
  if (plain === fleetTag && plain.length > 0 && plain.length <= SLUG_MAX) return plain
  const hash = createHash('sha256').update(fleetTag).digest('hex').slice(0, 6)
  return `${plain.slice(0, SLUG_MAX - 7).replace(/-+$/, '') || 'fleet'}-${hash}`
}

export function fleetResourceNames(
  fleetTag: string,
  region: string,
  accountId: string
): FleetResourceNames {
  const slug = fleetSlug(fleetTag)
  const base = `synkti-${slug}-${region}`
  return {
    fleetTag,
    region,
    accountId,
    slug,
    interruptionQueue: `${base}-interruptions`,
    reportsQueue: `${base}-reports`,
    // bucket names are global: the account id keeps them unique; at most 7+24+1+12+1+14 = 59 chars
    bucket: `synkti-${slug}-${accountId}-${region}`,
    role: `${base}-agent`,
    instanceProfile: `${base}-agent`,
    securityGroup: `${base}-model`,
    rules: Object.fromEntries(
      Object.keys(INTERRUPTION_RULES).map((k) => [k, `${base}-${k}`])
    ) as Record<InterruptionRule, string>,
    rolePolicy: 'synkti-agent'
  }
}

export const queueArn = (n: FleetResourceNames, queue: string): string =>
  `arn:aws:sqs:${n.region}:${n.accountId}:${queue}`
export const ruleArn = (n: FleetResourceNames, rule: string): string =>
  `arn:aws:events:${n.region}:${n.accountId}:rule/${rule}`
export const roleArn = (n: FleetResourceNames): string =>
  `arn:aws:iam::${n.accountId}:role/${n.role}`
export const instanceProfileArn = (n: FleetResourceNames): string =>
  `arn:aws:iam::${n.accountId}:instance-profile/${n.instanceProfile}`

/** the tags every resource setup creates carries */
export function setupTags(fleetTag: string): Record<string, string> {
  return { [FLEET_TAG_KEY]: fleetTag, [SETUP_TAG_KEY]: SETUP_TAG_VALUE }
}

type PolicyDocument = { Version: '2012-10-17'; Statement: Record<string, unknown>[] }

/** EC2 may assume the agents' role (through the instance profile), nothing else */
export function agentTrustPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'ec2.amazonaws.com' },
        Action: 'sts:AssumeRole'
      }
    ]
  }
}

/**
 * What a node agent may do with its instance's role, and nothing more: tag only its own instance
 * (the tag fallback for reports), send to the reports queue, read the agent bundle, read parameters
 * under SSM_PREFIX (secrets such as a Hugging Face token are referenced there, never put in user data).
 */
export function agentRolePolicy(n: FleetResourceNames): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TagOnlyItself',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: `arn:aws:ec2:${n.region}:${n.accountId}:instance/*`,
        // the instance whose role credentials sign the call is the only one it can tag
        Condition: { StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' } }
      },
      {
        Sid: 'SendReports',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: queueArn(n, n.reportsQueue)
      },
      {
        Sid: 'ReadAgentBundle',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${n.bucket}/${BUNDLE_PREFIX}*`
      },
      {
        Sid: 'ReadSynktiParameters',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameters'],
        Resource: `arn:aws:ssm:${n.region}:${n.accountId}:parameter${SSM_PREFIX}*`
      }
    ]
  }
}

/** EventBridge's rules of this fleet may send to the interruption queue; nothing may use plain HTTP */
export function interruptionQueuePolicy(n: FleetResourceNames): PolicyDocument {
  const arn = queueArn(n, n.interruptionQueue)
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EventBridgeSends',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arn,
        Condition: {
          ArnEquals: { 'aws:SourceArn': Object.values(n.rules).map((r) => ruleArn(n, r)) }
        }
      },
      denyInsecureTransport(arn)
    ]
  }
}

/** only the account's own identities (the agents' role) send to the reports queue, over TLS */
export function reportsQueuePolicy(n: FleetResourceNames): PolicyDocument {
  return { Version: '2012-10-17', Statement: [denyInsecureTransport(queueArn(n, n.reportsQueue))] }
}

function denyInsecureTransport(arn: string): Record<string, unknown> {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 'sqs:*',
    Resource: arn,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } }
  }
}
