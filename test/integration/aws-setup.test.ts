// `synkti aws setup` / `teardown`, the Deep Learning AMI from SSM, ELBv2 target groups and prices
// against moto (a real AWS API emulator in server mode, ../shared/moto). Every AWS call the code makes
// here is recorded and checked against the operator policy `synkti aws policy` prints.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand
} from '@aws-sdk/client-ec2'
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge'
import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import {
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  PutObjectCommand,
  S3Client
} from '@aws-sdk/client-s3'
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  SQSClient
} from '@aws-sdk/client-sqs'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { haveMoto, sayWhenMotoIsMissing, startMoto } from '../support/moto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { systemClock } from '../../src/main/clock'
import { createAwsProvider } from '../../src/main/providers/aws'
import { createElbv2Router } from '../../src/main/router/elbv2'
import { fleetResourceNames } from '../../src/main/providers/aws/resources'
import { policyAllowsAction, type PolicyDocument } from '../../src/main/providers/aws/setup-policy'
import { recordAwsCalls, type CallRecorder } from '../support/aws-call-recorder'
import { runCli } from '../support/cli-run'
import { startPricingServer } from '../fixtures/pricing-server'
import { startSqsJsonBridge } from '../fixtures/sqs-json-bridge'

sayWhenMotoIsMissing('aws-setup')

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const region = 'us-east-1'
const ACCOUNT = '123456789012' // moto's

describe.skipIf(!haveMoto)(
  'AWS setup, teardown, AMI, target groups and prices against moto',
  () => {
    let pid = 0
    let endpoint = ''
    let sqsEndpoint = ''
    let bridge: Awaited<ReturnType<typeof startSqsJsonBridge>> | undefined
    let dataDir = ''
    let recorder: CallRecorder
    // the harness's own clients: what they send is not the code's, so it is not recorded
    let h: {
      ec2: EC2Client
      sqs: SQSClient
      iam: IAMClient
      s3: S3Client
      events: EventBridgeClient
      ssm: SSMClient
    }

    beforeAll(async () => {
      ;({ pid, endpoint } = await startMoto())
      bridge = await startSqsJsonBridge(endpoint)
      sqsEndpoint = bridge.url
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' })
      dataDir = mkdtempSync(join(tmpdir(), 'synkti-aws-setup-'))
      recorder = recordAwsCalls()
      const config = { region, endpoint, credentials }
      h = {
        ec2: recorder.exclude(new EC2Client(config)),
        sqs: recorder.exclude(new SQSClient({ ...config, endpoint: sqsEndpoint })),
        iam: recorder.exclude(new IAMClient(config)),
        s3: recorder.exclude(new S3Client({ ...config, forcePathStyle: true })),
        events: recorder.exclude(new EventBridgeClient(config)),
        ssm: recorder.exclude(new SSMClient(config))
      }
    }, 150_000)

    afterAll(async () => {
      recorder?.restore()
      await bridge?.close()
      if (pid) process.kill(pid)
      if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    })

    async function cli(...args: string[]) {
      vi.stubEnv('AWS_ENDPOINT_URL', endpoint)
      vi.stubEnv('AWS_ENDPOINT_URL_SQS', sqsEndpoint)
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'test')
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test')
      vi.stubEnv('AWS_PROFILE', '')
      vi.stubEnv('AWS_REGION', region)
      try {
        return await runCli(...args)
      } finally {
        vi.unstubAllEnvs()
      }
    }

    const names = fleetResourceNames('lab', region, ACCOUNT)
    const setupArgs = ['aws', 'setup', '--fleet-tag', 'lab', '--ingress-cidr', '203.0.113.7/32']

    it('--dry-run prints the plan and creates nothing', async () => {
      const dry = await cli(...setupArgs, '--dry-run', '--data-dir', dataDir)
      expect(dry.stderr).toBe('')
      expect(dry.code).toBe(0)
      const lines = dry.stdout.trimEnd().split('\n')
      expect(lines[0]).toBe(
        `synkti aws setup: fleet lab in us-east-1, account ${ACCOUNT} (dry run: nothing is changed)`
      )
      expect(lines.filter((l) => l.includes('would create'))).toHaveLength(10)
      expect(lines.at(-1)).toBe('10 of 10 would change; run without --dry-run to apply')
      expect((await h.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([])
      expect(existsSync(join(dataDir, 'settings.json'))).toBe(false)
    })

    it('setup creates every resource, tagged and locked down, and saves them into the settings', async () => {
      const out = await cli(...setupArgs, '--data-dir', dataDir)
      expect(out.stderr).toBe('')
      expect(out.code).toBe(0)
      expect(out.stdout).toContain('10 of 10 changed')
      expect(out.stdout.match(/^ {2}created /gm)).toHaveLength(10)

      const queues = (await h.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []
      expect(queues.map((q) => q.split('/').pop()).sort()).toEqual(
        [names.interruptionQueue, names.reportsQueue].sort()
      )
      const interruptions = queues.find((q) => q.endsWith(names.interruptionQueue))!
      const attrs = await h.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: interruptions, AttributeNames: ['All'] })
      )
      expect(attrs.Attributes?.SqsManagedSseEnabled).toBe('true')
      const policy = JSON.parse(attrs.Attributes!.Policy!) as {
        Statement: { Principal?: unknown; Action: string }[]
      }
      expect(policy.Statement[0]).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage'
      })
      for (const rule of Object.values(names.rules)) {
        const targets = await h.events.send(new ListTargetsByRuleCommand({ Rule: rule }))
        expect(targets.Targets?.map((t) => t.Arn)).toEqual([
          `arn:aws:sqs:us-east-1:${ACCOUNT}:${names.interruptionQueue}`
        ])
      }
      const rolePolicy = await h.iam.send(
        new GetRolePolicyCommand({ RoleName: names.role, PolicyName: names.rolePolicy })
      )
      const doc = JSON.parse(decodeURIComponent(rolePolicy.PolicyDocument!)) as {
        Statement: { Action: unknown; Condition?: unknown }[]
      }
      expect(doc.Statement.find((st) => st.Action === 'ec2:CreateTags')).toMatchObject({
        Action: 'ec2:CreateTags',
        Condition: { StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' } }
      })
      const enc = await h.s3.send(new GetBucketEncryptionCommand({ Bucket: names.bucket }))
      expect(
        enc.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault
          ?.SSEAlgorithm
      ).toBe('AES256')
      const block = await h.s3.send(new GetPublicAccessBlockCommand({ Bucket: names.bucket }))
      expect(block.PublicAccessBlockConfiguration).toMatchObject({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true
      })
      const groups = await h.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [{ Name: 'group-name', Values: [names.securityGroup] }]
        })
      )
      const g = groups.SecurityGroups![0]
      expect(g.IpPermissions).toEqual([
        expect.objectContaining({
          FromPort: 8000,
          ToPort: 8000,
          IpRanges: [expect.objectContaining({ CidrIp: '203.0.113.7/32' })]
        })
      ])
      expect(Object.fromEntries(g.Tags!.map((t) => [t.Key, t.Value]))).toMatchObject({
        'synkti:fleet': 'lab',
        'synkti:created-by': 'synkti-aws-setup'
      })
      const settings = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as {
        aws: { sqsQueueUrl: string; securityGroupIds: string[]; instanceProfileName: string }
      }
      expect(settings.aws).toMatchObject({
        sqsQueueUrl: interruptions,
        securityGroupIds: [g.GroupId],
        instanceProfileName: names.instanceProfile
      })
    })

    it('a second setup changes nothing and says so', async () => {
      const again = await cli(...setupArgs, '--data-dir', dataDir)
      expect(again.code, again.stderr).toBe(0)
      expect(again.stdout).not.toMatch(/updated|created/)
      expect(again.stdout.match(/^ {2}unchanged /gm)).toHaveLength(10)
      expect(again.stdout.trimEnd().split('\n').at(-1)).toBe(
        'nothing to change: all 10 resources exist'
      )
    })

    it('a new ingress range is added to the group, once', async () => {
      const wider = [...setupArgs.slice(0, -1), '198.51.100.0/24', '--data-dir', dataDir]
      const first = await cli(...wider)
      expect(first.code, first.stderr).toBe(0)
      expect(first.stdout).toContain(
        `updated       security group       ${names.securityGroup}: allow tcp/8000 from 198.51.100.0/24`
      )
      expect(first.stdout).toContain('1 of 10 changed')
      const second = await cli(...wider)
      expect(second.stdout).toContain('nothing to change: all 10 resources exist')
    })

    it("an agents' role made by an older setup is brought up to the policy (jobs' checkpoints), once", async () => {
      // the role as an older version left it: no checkpoint statements
      const current = await h.iam.send(
        new GetRolePolicyCommand({ RoleName: names.role, PolicyName: names.rolePolicy })
      )
      const doc = JSON.parse(decodeURIComponent(current.PolicyDocument!)) as {
        Statement: { Sid?: string }[]
      }
      const older = {
        ...doc,
        Statement: doc.Statement.filter((st) => !/Checkpoints/.test(st.Sid ?? ''))
      }
      await h.iam.send(
        new PutRolePolicyCommand({
          RoleName: names.role,
          PolicyName: names.rolePolicy,
          PolicyDocument: JSON.stringify(older)
        })
      )
      const first = await cli(...setupArgs, '--data-dir', dataDir)
      expect(first.code, first.stderr).toBe(0)
      expect(first.stdout).toContain(
        `updated       IAM role             ${names.role}: update its policy ${names.rolePolicy}`
      )
      const mended = await h.iam.send(
        new GetRolePolicyCommand({ RoleName: names.role, PolicyName: names.rolePolicy })
      )
      expect(decodeURIComponent(mended.PolicyDocument!)).toContain('SynktiAgentCheckpoints')
      const second = await cli(...setupArgs, '--data-dir', dataDir)
      expect(second.stdout).toContain('nothing to change: all 10 resources exist')
    })

    it('a resource of the same name without the setup tags is refused, and nothing changes', async () => {
      const other = fleetResourceNames('other', region, ACCOUNT)
      await h.sqs.send(new CreateQueueCommand({ QueueName: other.interruptionQueue }))
      const out = await cli(
        'aws',
        'setup',
        '--fleet-tag',
        'other',
        '--ingress-cidr',
        '10.0.0.0/8',
        '--no-save'
      )
      expect(out.code).toBe(2)
      expect(out.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(out.stderr).toContain(`SQS queue ${other.interruptionQueue}`)
      expect(out.stderr).toContain('Synkti changes only what its setup created')
      const queues = (await h.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []
      expect(queues.some((q) => q.endsWith(other.reportsQueue))).toBe(false)
      const down = await cli('aws', 'teardown', '--fleet-tag', 'other', '--no-save')
      expect(down.code).toBe(2)
      expect(down.stderr).toContain('Teardown refused, nothing changed')
      expect(
        ((await h.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).some((q) =>
          q.endsWith(other.interruptionQueue)
        )
      ).toBe(true)
    })

    it('with no AMI configured a launch boots the Deep Learning AMI from SSM and says which', async () => {
      const images = await h.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))
      const imageId = images.Images!.find((i) => i.RootDeviceName)!.ImageId!
      // moto refuses to create parameters under /aws/ (reserved, as in AWS): the test's own stands in
      const parameter = '/synkti/test/dlami-ami-id'
      await h.ssm.send(new PutParameterCommand({ Name: parameter, Value: imageId, Type: 'String' }))
      const log: string[] = []
      const provider = createAwsProvider({
        region,
        endpoint,
        credentials,
        fleetTag: 'lab',
        amiParameter: parameter,
        log: (l) => log.push(l)
      })
      const launched = await provider.launch({
        instanceType: 'g5.xlarge',
        market: 'ondemand',
        name: 'ami-check'
      })
      const again = await provider.launch({
        instanceType: 'g5.xlarge',
        market: 'ondemand',
        name: 'ami-check-2'
      })
      const out = await h.ec2.send(
        new DescribeInstancesCommand({ InstanceIds: [launched.id, again.id] })
      )
      const all = out.Reservations!.flatMap((r) => r.Instances!)
      expect(all.map((i) => i.ImageId)).toEqual([imageId, imageId])
      expect(log).toEqual([
        `aws us-east-1: launches boot ${imageId} (Deep Learning AMI, from SSM ${parameter})`
      ])
    })

    it('teardown refuses while the fleet has instances, then removes exactly what setup made', async () => {
      const refused = await cli('aws', 'teardown', '--fleet-tag', 'lab', '--data-dir', dataDir)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain('still has 2 instances in us-east-1')
      const provider = createAwsProvider({ region, endpoint, credentials, fleetTag: 'lab' })
      for (const i of await provider.listInstances()) await provider.terminate(i.id)
      await h.s3.send(
        new PutObjectCommand({ Bucket: names.bucket, Key: 'bundles/agent.tgz', Body: 'x' })
      )
      // a foreign instance in the same account does not block, and is left alone
      const foreign = await h.ec2.send(
        new RunInstancesCommand({
          ImageId: (await h.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]
            .ImageId,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1
        })
      )
      const dry = await cli(
        'aws',
        'teardown',
        '--fleet-tag',
        'lab',
        '--dry-run',
        '--data-dir',
        dataDir
      )
      expect(dry.code).toBe(0)
      expect(dry.stdout.match(/would delete/g)).toHaveLength(10)
      expect(dry.stdout).toContain(`${names.bucket} (1 objects)`)
      const down = await cli('aws', 'teardown', '--fleet-tag', 'lab', '--data-dir', dataDir)
      expect(down.stderr).toBe('')
      expect(down.code).toBe(0)
      expect(down.stdout.match(/^ {2}deleted /gm)).toHaveLength(10)
      const queues = (await h.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []
      // only the other fleet's foreign queue is left
      expect(queues.map((q) => q.split('/').pop())).toEqual([
        fleetResourceNames('other', region, ACCOUNT).interruptionQueue
      ])
      const f = await h.ec2.send(
        new DescribeInstancesCommand({ InstanceIds: [foreign.Instances![0].InstanceId!] })
      )
      expect(f.Reservations![0].Instances![0].State?.Name).toBe('running')
      const settings = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as {
        aws: { instanceProfileName: string }
      }
      expect(settings.aws.instanceProfileName).toBe('')
      const again = await cli('aws', 'teardown', '--fleet-tag', 'lab', '--data-dir', dataDir)
      expect(again.stdout.trimEnd().split('\n').at(-1)).toBe(
        'nothing to delete: none of the 10 resources exist'
      )
    })

    it('an ELBv2 target group registers a ready replica and deregisters it on drain', async () => {
      const elb = recorder.exclude(
        new ElasticLoadBalancingV2Client({ region, endpoint, credentials })
      )
      const vpc = (await h.ec2.send(new DescribeVpcsCommand({}))).Vpcs![0].VpcId!
      const group = await elb.send(
        new CreateTargetGroupCommand({
          Name: 'llama',
          Protocol: 'HTTP',
          Port: 8000,
          VpcId: vpc,
          TargetType: 'instance'
        })
      )
      const arn = group.TargetGroups![0].TargetGroupArn!
      await elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn,
          Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }]
        })
      )
      const image = (await h.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]
      const run = await h.ec2.send(
        new RunInstancesCommand({
          ImageId: image.ImageId,
          InstanceType: 'g5.xlarge',
          MinCount: 1,
          MaxCount: 1
        })
      )
      const id = run.Instances![0].InstanceId!
      const router = createElbv2Router({
        client: new ElasticLoadBalancingV2Client({ region, endpoint, credentials }),
        targetGroupArn: arn,
        clock: systemClock,
        pollMs: 200
      })
      await router.register({
        id,
        service: 'llama',
        model: 'org/m',
        baseUrl: 'http://10.0.0.9:8000'
      })
      const health = await router.targetHealth()
      expect(health.map((t) => [t.id, t.port])).toEqual([[id, 8000]])
      const started = Date.now()
      await router.deregister(id)
      expect(Date.now() - started).toBeLessThan(6000)
      const after = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))
      expect(
        (after.TargetHealthDescriptions ?? []).filter(
          (t) => t.Target?.Id === id && t.TargetHealth?.State !== 'draining'
        )
      ).toEqual([])
      expect(router.replicas()).toEqual([])
    })

    it('`synkti aws prices` shows each price with its source; unknown stays unknown', async () => {
      const pricing = await startPricingServer()
      try {
        vi.stubEnv('AWS_ENDPOINT_URL_PRICING', pricing.url)
        const out = await cli('aws', 'prices', '--type', 'g5.xlarge', '--type', 'p4d.24xlarge')
        expect(out.code).toBe(0)
        expect(
          out.stdout
            .trimEnd()
            .split('\n')
            .map((l) => l.replace(/ +/g, ' '))
        ).toEqual([
          'g5.xlarge us-east-1 $1.0060/h AWS Price List API',
          'p4d.24xlarge us-east-1 unknown no price: a launch under a budget cap is blocked'
        ])
        pricing.failNext(400, 10)
        vi.stubEnv('AWS_ENDPOINT_URL_PRICING', pricing.url)
        const offline = await cli('aws', 'prices', '--type', 'g5.xlarge', '--json')
        expect(JSON.parse(offline.stdout)).toEqual([
          { type: 'g5.xlarge', region: 'us-east-1', pricePerHour: 1.006, source: 'offline-table' }
        ])
        expect(offline.stderr).toContain('from the AWS Price List API failed')
      } finally {
        await pricing.close()
      }
    })

    it('`apply --dry-run --provider aws` asks EC2 whether each launch would succeed, and says why not', async () => {
      const image = (await h.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]
      const file = join(dataDir, 'llama.yaml')
      writeFileSync(
        file,
        'kind: service\nname: llama\nmodel: org/m\ninstanceTypes: [g5.xlarge, g9.huge]\nmarket: ondemand\n'
      )
      vi.stubEnv('SYNKTI_IMAGE_ID', image.ImageId!)
      const before = (await h.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []
      const out = await cli(
        'apply',
        '-f',
        file,
        '--dry-run',
        '--provider',
        'aws',
        '--data-dir',
        dataDir
      )
      expect(out.stdout.trimEnd().split('\n')).toEqual([
        'service llama: would be created (generation 1)',
        'service llama: EC2 dry run of g5.xlarge (ondemand): would succeed',
        'service llama: EC2 dry run of g9.huge (ondemand): would fail: Launching g9.huge failed: us-east-1 has no instance type g9.huge'
      ])
      expect(out.code).toBe(2)
      expect(out.stderr).toBe('synkti: 1 of 2 launches would fail on EC2 (see above)\n')
      expect((await h.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).toHaveLength(
        before.length
      )
    })

    it('the policy `synkti aws policy` prints allows every AWS call the code made above', async () => {
      const printed = await cli('aws', 'policy', '--fleet-tag', 'lab')
      expect(printed.code).toBe(0)
      const policy = JSON.parse(printed.stdout) as PolicyDocument
      const made = recorder.actions()
      expect(made.length).toBeGreaterThan(30)
      expect(made.filter((a) => !policyAllowsAction(policy, a))).toEqual([])
    })
  }
)
