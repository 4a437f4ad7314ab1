// `synkti aws setup` / `synkti aws teardown`: the account-side resources one fleet needs in one
// region (resources.ts names them), created idempotently and removed only when setup created them.
// Each resource is inspected first (absent, ours, or foreign: same name without our tags); a plan
// with a foreign resource changes nothing. A second setup finds everything and changes nothing.

import { isDeepStrictEqual } from 'node:util'
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type EC2ClientConfig,
  type SecurityGroup
} from '@aws-sdk/client-ec2'
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type EventBridgeClientConfig
} from '@aws-sdk/client-eventbridge'
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  type IAMClientConfig,
  type Tag as IamTag
} from '@aws-sdk/client-iam'
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type BucketLocationConstraint,
  type S3ClientConfig
} from '@aws-sdk/client-s3'
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SQSClient,
  type SQSClientConfig
} from '@aws-sdk/client-sqs'
import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts'
import { ProviderError } from '../errors'
import { FLEET_TAG_KEY } from '../types'
import { ec2ClientConfig, effectiveProfile, type AwsClientOptions } from './client'
import { awsErrorCode, mapAwsErrors } from './errors'
import {
  INTERRUPTION_RULES,
  SETUP_TAG_KEY,
  SETUP_TAG_VALUE,
  agentRolePolicy,
  agentTrustPolicy,
  fleetResourceNames,
  interruptionQueuePolicy,
  queueArn,
  reportsQueuePolicy,
  setupTags,
  type FleetResourceNames,
  type InterruptionRule
} from './resources'

export interface AwsSetupClients {
  ec2: EC2Client
  sqs: SQSClient
  events: EventBridgeClient
  iam: IAMClient
  s3: S3Client
  sts: STSClient
}

/** one client per service, configured the way the EC2 client is (profile, endpoint, retries) */
export function createSetupClients(
  opts: AwsClientOptions,
  { forcePathStyle = !!opts.endpoint } = {}
): AwsSetupClients {
  const config = ec2ClientConfig(opts) as EC2ClientConfig
  return {
    ec2: new EC2Client(config),
    sqs: new SQSClient(config as SQSClientConfig),
    events: new EventBridgeClient(config as EventBridgeClientConfig),
    iam: new IAMClient(config as IAMClientConfig),
    // emulators answer on one host: path-style addressing keeps the bucket out of the host name
    s3: new S3Client({ ...(config as S3ClientConfig), forcePathStyle }),
    sts: new STSClient(config as STSClientConfig)
  }
}

export interface SetupOptions {
  fleetTag: string
  region: string
  /** the port replicas serve on (the workloads' `port`, 8000 by default) */
  modelPort: number
  /** who may reach the model port, e.g. your office or VPN range; never 0.0.0.0/0 by default */
  ingressCidr: string
  /** the VPC of the security group (default: the region's default VPC) */
  vpcId?: string
  profile?: string
}

export type ResourceState = 'absent' | 'ours' | 'foreign'

export interface ResourceStatus {
  kind: string
  name: string
  state: ResourceState
  /** what setup would add to a resource of ours that lacks it (a missing ingress rule) */
  drift?: string
  /** e.g. the queue URL, the security group id, the bucket's object count */
  detail?: string
  /** shared with another fleet (the bucket): teardown leaves it */
  keep?: boolean
}

interface Resource {
  kind: string
  name: string
  inspect(): Promise<{ state: ResourceState; drift?: string; detail?: string; keep?: boolean }>
  create(): Promise<string | undefined>
  /** brings a resource of ours up to the spec; only called when inspect reported drift */
  mend?(): Promise<void>
  remove(): Promise<void>
}

export interface SetupReport {
  names: FleetResourceNames
  resources: ResourceStatus[]
  /** one line per resource: what was (or would be) done */
  lines: string[]
  changed: number
  /** what to put in the settings so the fleet uses these resources (setup only) */
  settings?: {
    sqsQueueUrl: string
    reportsQueueUrl: string
    securityGroupIds: string[]
    instanceProfileName: string
    bucket: string
  }
}

const tagsOk = (tags: Record<string, string | undefined>, fleetTag: string): boolean =>
  tags[FLEET_TAG_KEY] === fleetTag && tags[SETUP_TAG_KEY] === SETUP_TAG_VALUE
const tagList = (fleetTag: string): { Key: string; Value: string }[] =>
  Object.entries(setupTags(fleetTag)).map(([Key, Value]) => ({ Key, Value }))
const tagMap = (tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']))

const MISSING_QUEUE = new Set(['AWS.SimpleQueueService.NonExistentQueue', 'QueueDoesNotExist'])
const json = (doc: unknown): string => JSON.stringify(doc)

function queueResource(
  c: AwsSetupClients,
  n: FleetResourceNames,
  name: string,
  policy: unknown,
  urls: Map<string, string>
): Resource {
  return {
    kind: 'SQS queue',
    name,
    async inspect() {
      let url: string
      try {
        url = (await c.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? ''
      } catch (err) {
        if (MISSING_QUEUE.has(awsErrorCode(err) ?? '')) return { state: 'absent' }
        throw err
      }
      urls.set(name, url)
      const tags = (await c.sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {}
      return { state: tagsOk(tags, n.fleetTag) ? 'ours' : 'foreign', detail: url }
    },
    async create() {
      const out = await c.sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            Policy: json(policy),
            SqsManagedSseEnabled: 'true',
            // a notice is worth minutes, a report hours: a day bounds what piles up while nobody reads
            MessageRetentionPeriod: '86400',
            ReceiveMessageWaitTimeSeconds: '20',
            // the reports queue is FIFO (agent-channel.ts): ordered per instance, deduplicated by report id
            ...(name.endsWith('.fifo') ? { FifoQueue: 'true' } : {})
          },
          tags: setupTags(n.fleetTag)
        })
      )
      urls.set(name, out.QueueUrl ?? '')
      return out.QueueUrl
    },
    async remove() {
      await c.sqs.send(new DeleteQueueCommand({ QueueUrl: urls.get(name) }))
    }
  }
}

const TARGET_ID = 'synkti-interruption-queue'

function ruleResource(c: AwsSetupClients, n: FleetResourceNames, rule: InterruptionRule): Resource {
  const name = n.rules[rule]
  return {
    kind: 'EventBridge rule',
    name,
    async inspect() {
      let arn: string
      try {
        arn = (await c.events.send(new DescribeRuleCommand({ Name: name }))).Arn ?? ''
      } catch (err) {
        if (awsErrorCode(err) === 'ResourceNotFoundException') return { state: 'absent' }
        throw err
      }
      const tags = (await c.events.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags
      return { state: tagsOk(tagMap(tags), n.fleetTag) ? 'ours' : 'foreign' }
    },
    async create() {
      const out = await c.events.send(
        new PutRuleCommand({
          Name: name,
          EventPattern: json(INTERRUPTION_RULES[rule]),
          State: 'ENABLED',
          Description: `Synkti fleet ${n.fleetTag}: ${INTERRUPTION_RULES[rule]['detail-type'][0]} into ${n.interruptionQueue}`,
          Tags: tagList(n.fleetTag)
        })
      )
      await c.events.send(
        new PutTargetsCommand({
          Rule: name,
          Targets: [{ Id: TARGET_ID, Arn: queueArn(n, n.interruptionQueue) }]
        })
      )
      return out.RuleArn
    },
    async remove() {
      // a rule with targets cannot be deleted; ours has only its queue, but take whatever is there
      const targets = (await c.events.send(new ListTargetsByRuleCommand({ Rule: name }))).Targets
      const ids = (targets ?? []).map((t) => t.Id ?? '').filter(Boolean)
      if (ids.length) await c.events.send(new RemoveTargetsCommand({ Rule: name, Ids: ids }))
      await c.events.send(new DeleteRuleCommand({ Name: name }))
    }
  }
}

function roleResource(c: AwsSetupClients, n: FleetResourceNames): Resource {
  return {
    kind: 'IAM role',
    name: n.role,
    async inspect() {
      let tags: IamTag[] | undefined
      try {
        tags = (await c.iam.send(new GetRoleCommand({ RoleName: n.role }))).Role?.Tags
      } catch (err) {
        if (awsErrorCode(err) === 'NoSuchEntity') return { state: 'absent' }
        throw err
      }
      if (!tagsOk(tagMap(tags), n.fleetTag)) return { state: 'foreign' }
      // a role made by an older setup gets what agents need now (e.g. the jobs' checkpoint prefix)
      let current: unknown
      try {
        const out = await c.iam.send(
          new GetRolePolicyCommand({ RoleName: n.role, PolicyName: n.rolePolicy })
        )
        current = JSON.parse(decodeURIComponent(out.PolicyDocument ?? '{}'))
      } catch (err) {
        if (awsErrorCode(err) !== 'NoSuchEntity') throw err
        return { state: 'ours', drift: `put its policy ${n.rolePolicy}` }
      }
      return isDeepStrictEqual(current, agentRolePolicy(n))
        ? { state: 'ours' }
        : { state: 'ours', drift: `update its policy ${n.rolePolicy}` }
    },
    async mend() {
      await c.iam.send(
        new PutRolePolicyCommand({
          RoleName: n.role,
          PolicyName: n.rolePolicy,
          PolicyDocument: json(agentRolePolicy(n))
        })
      )
    },
    async create() {
      const out = await c.iam.send(
        new CreateRoleCommand({
          RoleName: n.role,
          AssumeRolePolicyDocument: json(agentTrustPolicy()),
          Description: `Synkti node agents of fleet ${n.fleetTag} in ${n.region}`,
          Tags: tagList(n.fleetTag)
        })
      )
      await c.iam.send(
        new PutRolePolicyCommand({
          RoleName: n.role,
          PolicyName: n.rolePolicy,
          PolicyDocument: json(agentRolePolicy(n))
        })
      )
      return out.Role?.Arn
    },
    async remove() {
      const policies = (await c.iam.send(new ListRolePoliciesCommand({ RoleName: n.role })))
        .PolicyNames
      for (const PolicyName of policies ?? [])
        await c.iam.send(new DeleteRolePolicyCommand({ RoleName: n.role, PolicyName }))
      await c.iam.send(new DeleteRoleCommand({ RoleName: n.role }))
    }
  }
}

function profileResource(c: AwsSetupClients, n: FleetResourceNames): Resource {
  let roles: string[] = []
  return {
    kind: 'IAM instance profile',
    name: n.instanceProfile,
    async inspect() {
      let tags: IamTag[] | undefined
      try {
        const out = await c.iam.send(
          new GetInstanceProfileCommand({ InstanceProfileName: n.instanceProfile })
        )
        roles = (out.InstanceProfile?.Roles ?? []).map((r) => r.RoleName ?? '')
        tags = out.InstanceProfile?.Tags
      } catch (err) {
        if (awsErrorCode(err) === 'NoSuchEntity') return { state: 'absent' }
        throw err
      }
      if (!tagsOk(tagMap(tags), n.fleetTag)) return { state: 'foreign' }
      return roles.includes(n.role)
        ? { state: 'ours' }
        : { state: 'ours', drift: `add role ${n.role}` }
    },
    async create() {
      const out = await c.iam.send(
        new CreateInstanceProfileCommand({
          InstanceProfileName: n.instanceProfile,
          Tags: tagList(n.fleetTag)
        })
      )
      await this.mend!()
      return out.InstanceProfile?.Arn
    },
    async mend() {
      await c.iam.send(
        new AddRoleToInstanceProfileCommand({
          InstanceProfileName: n.instanceProfile,
          RoleName: n.role
        })
      )
      roles = [n.role]
    },
    async remove() {
      for (const RoleName of roles)
        await c.iam.send(
          new RemoveRoleFromInstanceProfileCommand({
            InstanceProfileName: n.instanceProfile,
            RoleName
          })
        )
      await c.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: n.instanceProfile }))
    }
  }
}

function bucketResource(c: AwsSetupClients, n: FleetResourceNames): Resource {
  const Bucket = n.bucket
  const keys = async (): Promise<string[]> => {
    const out: string[] = []
    let token: string | undefined
    do {
      const page = await c.s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken: token }))
      out.push(...(page.Contents ?? []).map((o) => o.Key ?? '').filter(Boolean))
      token = page.NextContinuationToken
    } while (token)
    return out
  }
  return {
    kind: 'S3 bucket',
    name: Bucket,
    async inspect() {
      try {
        await c.s3.send(new HeadBucketCommand({ Bucket }))
      } catch (err) {
        const code = awsErrorCode(err)
        if (code === 'NotFound' || code === 'NoSuchBucket') return { state: 'absent' }
        // 403: the name is someone else's bucket
        if (code === 'Forbidden' || code === 'AccessDenied')
          return { state: 'foreign', detail: 'owned by another account' }
        throw err
      }
      let tags: Record<string, string> = {}
      try {
        tags = tagMap((await c.s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet)
      } catch (err) {
        if (awsErrorCode(err) !== 'NoSuchTagSet') throw err
      }
      if (tags[SETUP_TAG_KEY] !== SETUP_TAG_VALUE) return { state: 'foreign' }
      // one bucket per account and region, shared by its fleets: only the fleet that made it removes it
      if (tags[FLEET_TAG_KEY] !== n.fleetTag)
        return { state: 'ours', keep: true, detail: `made by fleet ${tags[FLEET_TAG_KEY] ?? '?'}` }
      return { state: 'ours', detail: `${(await keys()).length} objects` }
    },
    async create() {
      await c.s3.send(
        new CreateBucketCommand({
          Bucket,
          // us-east-1 is the one region that must not be named as a location constraint
          ...(n.region === 'us-east-1'
            ? {}
            : {
                CreateBucketConfiguration: {
                  LocationConstraint: n.region as BucketLocationConstraint
                }
              })
        })
      )
      await c.s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true
          }
        })
      )
      await c.s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [
              {
                ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
                BucketKeyEnabled: true
              }
            ]
          }
        })
      )
      await c.s3.send(
        new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagList(n.fleetTag) } })
      )
      return `s3://${Bucket}`
    },
    async remove() {
      // the bucket holds only what Synkti put there (agent bundles, checkpoints); a bucket must be empty to go
      const all = await keys()
      for (let i = 0; i < all.length; i += 1000)
        await c.s3.send(
          new DeleteObjectsCommand({
            Bucket,
            Delete: { Objects: all.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true }
          })
        )
      await c.s3.send(new DeleteBucketCommand({ Bucket }))
    }
  }
}

function securityGroupResource(
  c: AwsSetupClients,
  n: FleetResourceNames,
  o: SetupOptions,
  vpc: () => Promise<string>,
  ids: Map<string, string>
): Resource {
  const name = n.securityGroup
  const permission = {
    IpProtocol: 'tcp',
    FromPort: o.modelPort,
    ToPort: o.modelPort,
    IpRanges: [{ CidrIp: o.ingressCidr, Description: 'Synkti model port' }]
  }
  const allows = (g: SecurityGroup): boolean =>
    (g.IpPermissions ?? []).some(
      (p) =>
        p.IpProtocol === 'tcp' &&
        p.FromPort === o.modelPort &&
        p.ToPort === o.modelPort &&
        (p.IpRanges ?? []).some((r) => r.CidrIp === o.ingressCidr)
    )
  const authorize = async (GroupId: string): Promise<void> => {
    await c.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [permission] })
    )
  }
  return {
    kind: 'security group',
    name,
    async inspect() {
      const out = await c.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'group-name', Values: [name] },
            { Name: 'vpc-id', Values: [await vpc()] }
          ]
        })
      )
      const g = out.SecurityGroups?.[0]
      if (!g?.GroupId) return { state: 'absent' }
      ids.set(name, g.GroupId)
      if (!tagsOk(tagMap(g.Tags), n.fleetTag)) return { state: 'foreign', detail: g.GroupId }
      return allows(g)
        ? { state: 'ours', detail: g.GroupId }
        : {
            state: 'ours',
            detail: g.GroupId,
            drift: `allow tcp/${o.modelPort} from ${o.ingressCidr}`
          }
    },
    async create() {
      const out = await c.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: `Synkti fleet ${n.fleetTag}: model port ${o.modelPort}`,
          VpcId: await vpc(),
          TagSpecifications: [{ ResourceType: 'security-group', Tags: tagList(n.fleetTag) }]
        })
      )
      const id = out.GroupId ?? ''
      ids.set(name, id)
      await authorize(id)
      return id
    },
    async mend() {
      await authorize(ids.get(name)!)
    },
    async remove() {
      await c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: ids.get(name) }))
    }
  }
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/

/** a usable IPv4 CIDR, or the reason it is not */
export function cidrProblem(cidr: string): string | undefined {
  const m = CIDR.exec(cidr)
  if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || Number(m[5]) > 32)
    return `expected an IPv4 CIDR like 203.0.113.0/24, got "${cidr}"`
  return undefined
}

interface Context {
  names: FleetResourceNames
  resources: Resource[]
  urls: Map<string, string>
  groupIds: Map<string, string>
}

async function context(c: AwsSetupClients, o: SetupOptions): Promise<Context> {
  const profile = effectiveProfile(o.profile)
  const identity = await mapAwsErrors(
    { what: `Reading the account of the AWS identity`, action: 'sts:GetCallerIdentity', profile },
    () => c.sts.send(new GetCallerIdentityCommand({}))
  )
  const names = fleetResourceNames(o.fleetTag, o.region, identity.Account ?? '')
  const urls = new Map<string, string>()
  const groupIds = new Map<string, string>()
  let vpcId: string | undefined = o.vpcId
  const vpc = async (): Promise<string> => {
    if (vpcId) return vpcId
    const out = await c.ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] })
    )
    vpcId = out.Vpcs?.[0]?.VpcId
    if (!vpcId)
      throw new ProviderError(
        'invalid-parameter',
        `${o.region} has no default VPC: pass --vpc-id for the security group`
      )
    return vpcId
  }
  // creation order: what a later resource refers to comes first (queue before the rules, role before profile)
  const resources: Resource[] = [
    queueResource(c, names, names.interruptionQueue, interruptionQueuePolicy(names), urls),
    queueResource(c, names, names.reportsQueue, reportsQueuePolicy(names), urls),
    ...(Object.keys(INTERRUPTION_RULES) as InterruptionRule[]).map((r) =>
      ruleResource(c, names, r)
    ),
    roleResource(c, names),
    profileResource(c, names),
    bucketResource(c, names),
    securityGroupResource(c, names, o, vpc, groupIds)
  ]
  return { names, resources, urls, groupIds }
}

/** the IAM action a resource step needs, for the error line when it is denied */
function actionOf(kind: string): string {
  if (kind.startsWith('SQS')) return 'sqs:*'
  if (kind.startsWith('EventBridge')) return 'events:*'
  if (kind.startsWith('IAM')) return 'iam:*'
  if (kind.startsWith('S3')) return 's3:*'
  return 'ec2:*SecurityGroup*'
}

async function step<T>(r: Resource, verb: string, o: SetupOptions, call: () => Promise<T>) {
  return mapAwsErrors(
    {
      what: `${verb} ${r.kind} ${r.name} in ${o.region}`,
      action: `${actionOf(r.kind)} (see \`synkti aws policy\`)`,
      profile: effectiveProfile(o.profile)
    },
    call
  )
}

async function inspectAll(ctx: Context, o: SetupOptions): Promise<ResourceStatus[]> {
  const out: ResourceStatus[] = []
  for (const r of ctx.resources) {
    const seen = await step(r, 'Inspecting', o, () => r.inspect())
    out.push({ kind: r.kind, name: r.name, ...seen })
  }
  return out
}

function refuseForeign(statuses: ResourceStatus[], o: SetupOptions, verb: string): void {
  const foreign = statuses.filter((s) => s.state === 'foreign')
  if (foreign.length === 0) return
  throw new ProviderError(
    'not-owned',
    `${verb} refused, nothing changed: ${foreign.map((f) => `${f.kind} ${f.name}${f.detail ? ` (${f.detail})` : ''}`).join(', ')} exist${foreign.length === 1 ? 's' : ''} without the tags ${FLEET_TAG_KEY}=${o.fleetTag} and ${SETUP_TAG_KEY}=${SETUP_TAG_VALUE}; Synkti changes only what its setup created`
  )
}

const pad = (s: string, n: number): string => s.padEnd(n)

/** creates what is missing; `dryRun` only reports what it would do */
export async function runSetup(
  c: AwsSetupClients,
  o: SetupOptions,
  { dryRun = false } = {}
): Promise<SetupReport> {
  const problem = cidrProblem(o.ingressCidr)
  if (problem) throw new ProviderError('invalid-parameter', `--ingress-cidr: ${problem}`)
  const ctx = await context(c, o)
  const statuses = await inspectAll(ctx, o)
  refuseForeign(statuses, o, 'Setup')
  const lines: string[] = []
  let changed = 0
  for (const [i, r] of ctx.resources.entries()) {
    const s = statuses[i]
    const label = `${pad(r.kind, 20)} ${r.name}`
    if (s.state === 'absent') {
      changed++
      if (dryRun) lines.push(`would create  ${label}`)
      else {
        const id = await step(r, 'Creating', o, () => r.create())
        s.state = 'ours'
        s.detail = id
        lines.push(`created       ${label}${id && id !== r.name ? `  ${id}` : ''}`)
      }
    } else if (s.drift) {
      changed++
      if (dryRun) lines.push(`would update  ${label}: ${s.drift}`)
      else {
        await step(r, 'Updating', o, () => r.mend!())
        lines.push(`updated       ${label}: ${s.drift}`)
      }
    } else lines.push(`unchanged     ${label}`)
  }
  const n = ctx.names
  return {
    names: n,
    resources: statuses,
    lines,
    changed,
    ...(dryRun
      ? {}
      : {
          settings: {
            sqsQueueUrl: ctx.urls.get(n.interruptionQueue) ?? '',
            reportsQueueUrl: ctx.urls.get(n.reportsQueue) ?? '',
            securityGroupIds: [ctx.groupIds.get(n.securityGroup) ?? ''],
            instanceProfileName: n.instanceProfile,
            bucket: n.bucket
          }
        })
  }
}

const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped']

/**
 * Removes what setup created, in reverse order. Refuses while the fleet has instances in the region
 * (they use the role, the group and the bucket), and refuses foreign resources of the same names.
 */
export async function runTeardown(
  c: AwsSetupClients,
  o: SetupOptions,
  { dryRun = false } = {}
): Promise<SetupReport> {
  const ctx = await context(c, o)
  const statuses = await inspectAll(ctx, o)
  refuseForeign(statuses, o, 'Teardown')
  const live = await mapAwsErrors(
    {
      what: `Listing ${o.fleetTag} instances in ${o.region}`,
      action: 'ec2:DescribeInstances',
      profile: effectiveProfile(o.profile)
    },
    () =>
      c.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: `tag:${FLEET_TAG_KEY}`, Values: [o.fleetTag] },
            { Name: 'instance-state-name', Values: LIVE_STATES }
          ]
        })
      )
  )
  const ids = (live.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId))
  if (ids.length)
    throw new ProviderError(
      'invalid-parameter',
      `Teardown refused, nothing changed: fleet ${o.fleetTag} still has ${ids.length} instance${ids.length === 1 ? '' : 's'} in ${o.region} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}): cancel its workloads (synkti cancel NAME) and wait until they are terminated`
    )
  const lines: string[] = []
  let changed = 0
  for (let i = ctx.resources.length - 1; i >= 0; i--) {
    const r = ctx.resources[i]
    const s = statuses[i]
    const label = `${pad(r.kind, 20)} ${r.name}`
    if (s.state === 'absent') {
      lines.push(`absent        ${label}`)
      continue
    }
    if (s.keep) {
      lines.push(`kept          ${label} (${s.detail ?? 'shared'})`)
      continue
    }
    changed++
    const what = s.detail && r.kind === 'S3 bucket' ? ` (${s.detail})` : ''
    if (dryRun) lines.push(`would delete  ${label}${what}`)
    else {
      await step(r, 'Deleting', o, () => r.remove())
      s.state = 'absent'
      lines.push(`deleted       ${label}${what}`)
    }
  }
  return { names: ctx.names, resources: statuses, lines, changed }
}
