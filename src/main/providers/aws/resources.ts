// The names of the AWS resources one fleet uses in one region, and the agents' role policy: one module
// so `synkti aws setup` (which creates them), the runtime and the node agent's channel find the same
// things. The agent channel's own resources (reports queue, agent role, bucket) take their names from
// agent-channel.ts, which finds them. Every name starts with `synkti-`, which is what the operator
// policy's resource patterns (iam-policy.ts, setup-policy.ts) allow.

import { SECRET_PARAMETER_PREFIX } from '../../../shared/workload'
import { FLEET_TAG_KEY } from '../types'
import {
  agentBucketName,
  agentRoleName,
  agentRolePolicyStatements,
  fleetSlug,
  reportsQueueName
} from './agent-channel'

export { fleetSlug }

/** set on every resource `synkti aws setup` creates, beside the fleet tag: teardown removes only these */
export const SETUP_TAG_KEY = 'synkti:created-by'
export const SETUP_TAG_VALUE = 'synkti-aws-setup'

/** object key prefixes in the bucket (agent-channel.ts agentBundleKey writes under agent/) */
export const BUNDLE_PREFIX = 'agent/'
export const CHECKPOINT_PREFIX = 'checkpoints/'
/** where a job's checkpoint directory is kept in the bucket: one prefix per fleet and workload */
export function checkpointPrefix(fleetTag: string, workload: string): string {
  return `${CHECKPOINT_PREFIX}${fleetSlug(fleetTag)}/${workload}/`
}

/** SSM Parameter Store prefix agents may read (e.g. /synkti/hf-token for a gated model) */
export const SSM_PREFIX = SECRET_PARAMETER_PREFIX

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
  /** FIFO: ordered per instance, deduplicated by report id */
  reportsQueue: string
  /** S3 bucket for agent bundles (BUNDLE_PREFIX) and checkpoints (CHECKPOINT_PREFIX); one per account and region, shared by its fleets */
  bucket: string
  /** IAM is global: one role and instance profile per fleet tag, whatever the region */
  role: string
  instanceProfile: string
  securityGroup: string
  /** EventBridge rule names, one per INTERRUPTION_RULES entry */
  rules: Record<InterruptionRule, string>
  /** the name of the agents' inline role policy */
  rolePolicy: string
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
    reportsQueue: reportsQueueName(fleetTag),
    bucket: agentBucketName(accountId, region),
    role: agentRoleName(fleetTag),
    instanceProfile: agentRoleName(fleetTag),
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
 * What a node agent may do with its instance's role, and nothing more (agent-channel.ts): send to the
 * reports queue, tag only its own instance and only with the agent's keys, read parameters under
 * SSM_PREFIX (secrets such as a Hugging Face token are referenced there, never put in user data), and
 * sync jobs' checkpoints under this fleet's prefix (checkpointPrefix). The bundle comes by a
 * presigned URL, so the role reads nothing else in S3.
 */
export function agentRolePolicy(n: FleetResourceNames): PolicyDocument {
  return {
    Version: '2012-10-17',
    // the role is global and the queue has the same name in every region: one policy for all of them
    Statement: agentRolePolicyStatements({
      reportsQueueArn: `arn:aws:sqs:*:${n.accountId}:${n.reportsQueue}`,
      parameterPrefix: `${SSM_PREFIX}*`,
      accountId: n.accountId,
      // every region's bucket of the account (the role is global), only this fleet's prefix
      checkpoints: {
        bucket: `synkti-${n.accountId}-*`,
        prefix: `${CHECKPOINT_PREFIX}${n.slug}/`
      }
    })
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
