// The whole controller loop on AWS, against moto (a real AWS API emulator, ../shared/moto): `synkti
// aws setup` makes the fleet's resources; the AWS runtime (the daemon's and the desktop app's) runs
// a service of 2 replicas + 1 standby behind an ELBv2 target group; every launch carries the fleet's
// tags, IMDSv2-only metadata options, the instance profile and the boot script; each node's real
// agent (the bundle, one process per instance, see test/support/moto-nodes.ts) reports over the
// fleet's SQS reports queue and publishes its endpoint. Then, as AWS would: a spot interruption
// arrives as EventBridge delivers it (its JSON in the interruption queue) and ends with the standby
// promoted, the target group swapped and the pool refilled, with the daemon restarted in the middle;
// an instance terminated without any notice is replaced; instances outside the fleet are never
// touched. Every launch is counted: nothing leaks and nothing is launched twice.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance
} from '@aws-sdk/client-ec2'
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Runtime } from '../../src/main/runtime/runtime'
import { fleetResourceNames } from '../../src/main/providers/aws/resources'
import type { WorkloadView } from '../../src/shared/api'
import { runCli } from '../support/cli-run'
import { haveMoto, sayWhenMotoIsMissing, startMoto, startMotoRuntime } from '../support/moto'
import { startMotoNodes, type MotoNodes } from '../support/moto-nodes'
import { startSqsJsonBridge } from '../fixtures/sqs-json-bridge'
import { startVllmStub, type VllmStub } from '../fixtures/vllm-stub'
import { until } from '../support/until'

sayWhenMotoIsMissing('aws-loop')

const ROOT = join(__dirname, '..', '..')
const region = 'us-east-1'
const ACCOUNT = '123456789012' // moto's
const FLEET = 'loop'
const MODEL = 'org/model-7b'
const TOKEN = 'a-runtime-token-that-never-leaves'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

const tagsOf = (i: Instance): Record<string, string> =>
  Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']))

describe.skipIf(!haveMoto)('the controller loop on AWS against moto', () => {
  let pid = 0
  let endpoint = ''
  let bridge: Awaited<ReturnType<typeof startSqsJsonBridge>> | undefined
  let ec2: EC2Client
  let elb: ElasticLoadBalancingV2Client
  let sqs: SQSClient
  let vllm: VllmStub
  let nodes: MotoNodes | undefined
  let runtime: Runtime | undefined
  let targetGroupArn = ''
  let interruptionQueueUrl = ''
  const foreign: string[] = []
  const runtimeLog: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'synkti-aws-loop-'))
  const dataDir = join(dir, 'data')
  const bundlePath = join(dir, 'synkti-agent.mjs')
  const names = fleetResourceNames(FLEET, region, ACCOUNT)

  const explain = (): string =>
    `runtime:\n${runtimeLog.slice(-60).join('\n')}\nagents:\n${nodes?.log().split('\n').slice(-40).join('\n') ?? ''}`

  async function fleetInstances(): Promise<Instance[]> {
    const out = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:synkti:fleet', Values: [FLEET] }] })
    )
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])
  }
  const running = async (): Promise<Instance[]> =>
    (await fleetInstances()).filter((i) => i.State?.Name === 'running')

  async function targets(): Promise<string[]> {
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))
    return (out.TargetHealthDescriptions ?? [])
      .filter((t) => t.TargetHealth?.State !== 'draining')
      .map((t) => t.Target!.Id!)
      .sort()
  }

  async function service(): Promise<WorkloadView> {
    const views = (await runtime!.handlers.listWorkloads({})) as WorkloadView[]
    return views.find((w) => w.name === 'chat')!
  }

  /** the service at rest: 2 ready serving replicas in the target group, 1 ready standby */
  async function steady(): Promise<{ serving: string[]; standby: string }> {
    return until(
      'two replicas serving from the target group and a ready standby',
      async () => {
        const w = await service()
        const serving = w.instances.filter((i) => i.role === 'serving' && i.ready).map((i) => i.id)
        const standby = w.instances.filter((i) => i.role === 'standby' && i.ready)
        if (serving.length !== 2 || standby.length !== 1 || w.leaving || w.openFailovers) return
        const routed = await targets()
        return routed.join() === [...serving].sort().join()
          ? { serving: serving.sort(), standby: standby[0].id }
          : undefined
      },
      90_000,
      explain
    )
  }

  async function start(): Promise<Runtime> {
    return startMotoRuntime({
      dataDir,
      bundlePath,
      token: TOKEN,
      log: (l) => runtimeLog.push(`${new Date().toISOString()} ${l}`)
    })
  }

  beforeAll(async () => {
    ;({ pid, endpoint } = await startMoto())
    bridge = await startSqsJsonBridge(endpoint)
    vi.stubEnv('AWS_ENDPOINT_URL', endpoint)
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', bridge.url)
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test')
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test')
    vi.stubEnv('AWS_PROFILE', '')
    vi.stubEnv('AWS_REGION', region)
    const config = { region, endpoint, credentials }
    ec2 = new EC2Client(config)
    elb = new ElasticLoadBalancingV2Client(config)
    sqs = new SQSClient({ ...config, endpoint: bridge.url })
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-agent.mjs'), dir], {
      timeout: 120_000
    })
  }, 300_000)

  afterAll(async () => {
    await nodes?.stop()
    await runtime?.stop()
    await vllm?.close()
    await bridge?.close()
    vi.unstubAllEnvs()
    if (pid) process.kill(pid)
    rmSync(dir, { recursive: true, force: true })
  })

  it('before setup the runtime says why it launches nothing, and launches nothing', async () => {
    const image = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]
    const bare = join(dir, 'bare')
    mkdirSync(bare, { recursive: true })
    writeFileSync(
      join(bare, 'settings.json'),
      JSON.stringify({ mode: 'aws', aws: { fleetTag: FLEET, imageId: image.ImageId } })
    )
    const lines: string[] = []
    const bareRuntime = await startMotoRuntime({
      dataDir: bare,
      bundlePath,
      token: TOKEN,
      log: (l) => lines.push(l)
    })
    try {
      const status = await until('the agent setup settled', async () => {
        const s = await bareRuntime.handlers.status({})
        return s.message.includes('launches refused') ? s : undefined
      })
      expect(status.message).toContain(
        `launches refused: a node needs its agent, which is off: no SQS queue ${names.reportsQueue} in us-east-1 (run \`synkti aws setup\`)`
      )
      expect(status.message).toContain(
        `agent bundle: no S3 bucket synkti-${ACCOUNT}-us-east-1 (run \`synkti aws setup\`)`
      )
      await bareRuntime.handlers.applyWorkloads({
        text: `kind: service\nname: chat\nmodel: ${MODEL}\ninstanceTypes: [g5.xlarge]\n`,
        file: 'chat.yaml'
      })
      await until('the launch refused', async () =>
        lines.some((l) =>
          l.includes('chat: launches deferred: not launching: a node needs its agent')
        )
          ? true
          : undefined
      )
      expect(await fleetInstances()).toEqual([])
    } finally {
      await bareRuntime.stop()
    }
  }, 60_000)

  it('setup, then a service of 2 + 1 whose every launch carries the tags, IMDSv2, the profile and the boot script', async () => {
    const image = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images!.find(
      (i) => /^ami-[0-9a-f]{8,17}$/.test(i.ImageId!)
    )!.ImageId!
    // instances that are not the fleet's: one with no tags, one of another fleet
    for (const tags of [[], [{ Key: 'synkti:fleet', Value: 'other' }]]) {
      const run = await ec2.send(
        new RunInstancesCommand({
          ImageId: image,
          InstanceType: 'g5.xlarge',
          MinCount: 1,
          MaxCount: 1,
          ...(tags.length ? { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] } : {})
        })
      )
      foreign.push(run.Instances![0].InstanceId!)
    }

    const setup = await runCli(
      'aws',
      'setup',
      '--fleet-tag',
      FLEET,
      '--ingress-cidr',
      '127.0.0.1/32',
      '--data-dir',
      dataDir
    )
    expect(setup.code, setup.stderr).toBe(0)
    expect(setup.stdout).toContain('10 of 10 changed')
    const settingsFile = join(dataDir, 'settings.json')
    const saved = JSON.parse(readFileSync(settingsFile, 'utf8')) as {
      aws: { sqsQueueUrl: string; securityGroupIds: string[]; instanceProfileName: string }
    }
    interruptionQueueUrl = saved.aws.sqsQueueUrl
    expect(interruptionQueueUrl).toContain(names.interruptionQueue)
    // the operator's choices on top of what setup saved, merged field by field
    writeFileSync(
      settingsFile,
      JSON.stringify({
        ...saved,
        mode: 'aws',
        aws: { ...saved.aws, regions: [region], fleetTag: FLEET, imageId: image },
        pollIntervalSeconds: 5
      })
    )

    const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs![0].VpcId!
    const group = await elb.send(
      new CreateTargetGroupCommand({
        Name: 'chat',
        Protocol: 'HTTP',
        Port: 8000,
        VpcId: vpc,
        TargetType: 'instance'
      })
    )
    targetGroupArn = group.TargetGroups![0].TargetGroupArn!
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: targetGroupArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '1' }]
      })
    )

    // one model server answers for every node (they all publish 127.0.0.1 and the workload's port)
    vllm = await startVllmStub({ kind: 'busy', running: 0, waiting: 0 }, { modelName: MODEL })
    const port = Number(new URL(vllm.url).port)
    runtime = await start()
    nodes = startMotoNodes({
      ec2,
      fleetTag: FLEET,
      bundlePath,
      endpoint,
      sqsEndpoint: bridge!.url,
      workDir: join(dir, 'nodes')
    })
    const applied = await runtime.handlers.applyWorkloads({
      text: [
        'kind: service',
        'name: chat',
        `model: ${MODEL}`,
        'replicas: 2',
        'standby: 1',
        'instanceTypes: [g5.xlarge]',
        'market: spot',
        `port: ${port}`,
        'diskGiB: 300',
        'health: { intervalSeconds: 1, readyTimeoutSeconds: 60 }',
        `router: { targetGroupArn: "${targetGroupArn}" }`
      ].join('\n'),
      file: 'chat.yaml'
    })
    expect(applied).toMatchObject({ changes: [{ name: 'chat', change: 'created' }] })

    const rest = await steady()
    const all = await fleetInstances()
    expect(all).toHaveLength(3)
    for (const i of all) {
      const tags = tagsOf(i)
      expect(tags).toMatchObject({
        'synkti:fleet': FLEET,
        'synkti:workload': 'chat',
        'synkti:model': MODEL
      })
      expect(['serving', 'standby']).toContain(tags['synkti:role'])
      expect(i.InstanceLifecycle).toBe('spot')
      expect(i.MetadataOptions).toMatchObject({
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 2
      })
      expect(i.IamInstanceProfile?.Arn).toContain(saved.aws.instanceProfileName)
      expect(i.SecurityGroups?.map((g) => g.GroupId)).toEqual(saved.aws.securityGroupIds)
      // the root disk the workload asked for
      const root = i.BlockDeviceMappings?.find((b) => b.DeviceName === i.RootDeviceName)
      const volumes = await ec2.send(
        new DescribeVolumesCommand({ VolumeIds: [root!.Ebs!.VolumeId!] })
      )
      expect(volumes.Volumes?.[0]).toMatchObject({ Size: 300, VolumeType: 'gp3' })
      const node = nodes.booted.get(i.InstanceId!)!
      expect(node.userData).toContain('sha256sum -c')
      expect(node.userData).not.toContain(TOKEN)
      expect(node.config).toMatchObject({ 'model-port': String(port) })
      expect(node.config['reports-queue-url']).toContain(names.reportsQueue)
    }
    expect(rest.serving).not.toContain(rest.standby)
    // the cockpit says who routes the service: its target group (request figures in CloudWatch)
    expect((await service()).router).toMatchObject({ targetGroupArn })
    const stats = await runtime.handlers.routerStats({})
    expect(stats.services).toEqual([
      expect.objectContaining({ service: 'chat', ready: 2, targetGroupArn })
    ])
  }, 240_000)

  it('an interruption from EventBridge promotes the standby, swaps the target, refills the pool, across a restart', async () => {
    const before = await steady()
    const launchedBefore = (await fleetInstances()).length
    const [noticed, kept] = before.serving
    const noticeTime = new Date(Date.now() + 120_000).toISOString()
    // requests still in flight: the noticed node's drain takes a few seconds (its agent polls vLLM)
    await vllm.setMode({ kind: 'draining', running: 3, waiting: 2, polls: 12 })
    // AWS tells both: the instance's metadata (its agent drains) and EventBridge (the queue)
    nodes!.booted.get(noticed)!.imds.scheduleNotice('terminate', noticeTime)
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: interruptionQueueUrl,
        MessageBody: JSON.stringify({
          version: '0',
          id: 'b4f0e9c8-1d2e-4c4a-9f61-3c1e0f1a2b3c',
          'detail-type': 'EC2 Spot Instance Interruption Warning',
          source: 'aws.ec2',
          account: ACCOUNT,
          time: new Date().toISOString(),
          region,
          resources: [`arn:aws:ec2:${region}:${ACCOUNT}:instance/${noticed}`],
          detail: { 'instance-id': noticed, 'instance-action': 'terminate' }
        })
      })
    )
    // the standby takes the noticed replica's place...
    await until(
      'the standby promoted',
      async () => {
        const i = (await running()).find((x) => x.InstanceId === before.standby)
        return i && tagsOf(i)['synkti:role'] === 'serving' ? true : undefined
      },
      60_000,
      explain
    )
    // ...and the daemon goes down in the middle of the failover (the noticed replica still draining)
    // and comes back
    const mid = (await fleetInstances()).find((i) => i.InstanceId === noticed)!
    expect(mid.State?.Name).toBe('running')
    await runtime!.stop()
    runtime = undefined
    runtime = await start()

    const after = await steady()
    expect(after.serving).toEqual([kept, before.standby].sort())
    const promoted = (await running()).find((i) => i.InstanceId === before.standby)!
    expect(tagsOf(promoted)['synkti:replaces']).toBe(noticed)
    // the noticed replica was drained (its agent's report) and terminated; out of the target group
    const gone = (await fleetInstances()).find((i) => i.InstanceId === noticed)!
    expect(['shutting-down', 'terminated']).toContain(gone.State?.Name)
    expect(await targets()).not.toContain(noticed)
    // exactly one launch since: the new standby; nothing running outside the service's three
    const all = await fleetInstances()
    expect(all.length - launchedBefore).toBe(1)
    expect((await running()).map((i) => i.InstanceId).sort()).toEqual(
      [...after.serving, after.standby].sort()
    )
    // one failover for the notice, recorded once across the restart, through to the routed replacement
    const failovers = runtime!.history
      .failoversBetween(0, Date.now() + 1)
      .filter((f) => f.instanceId === noticed)
    expect(failovers).toHaveLength(1)
    expect(failovers[0].phases.map((p) => p.name)).toEqual(
      expect.arrayContaining(['noticed', 'replacement-ready', 'routed'])
    )
    // the noticed node's agent saw the notice in its metadata and drained its model server
    expect(nodes!.log()).toMatch(new RegExp(`${noticed} .*drain`))
  }, 240_000)

  it('an instance terminated without notice is replaced, and no foreign instance is touched', async () => {
    const before = await steady()
    const launchedBefore = (await fleetInstances()).length
    const [lost] = before.serving
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [lost] }))
    const after = await until(
      'the lost replica replaced',
      async () => {
        const rest = await steady()
        return rest.serving.includes(lost) ? undefined : rest
      },
      120_000,
      explain
    )
    expect(after.serving).toContain(before.standby)
    expect(await targets()).toEqual(after.serving)
    expect((await fleetInstances()).length - launchedBefore).toBe(1)

    // the instances outside the fleet: still running, their tags as they were
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: foreign }))
    const theirs = (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])
    expect(theirs.map((i) => i.State?.Name)).toEqual(['running', 'running'])
    expect(theirs.map((i) => tagsOf(i))).toEqual([{}, { 'synkti:fleet': 'other' }])
    expect(runtimeLog.join('\n')).not.toMatch(new RegExp(foreign.join('|')))
    // every launch of the run (the first three, the refills, the replacement), whatever its path:
    // the fleet's tags, IMDSv2 only, the workload's disk, and a boot script its node booted from
    const launched = await fleetInstances()
    expect(launched.length).toBe(5)
    for (const i of launched) {
      expect(tagsOf(i)).toMatchObject({ 'synkti:fleet': FLEET, 'synkti:workload': 'chat' })
      expect(i.MetadataOptions).toMatchObject({
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 2
      })
      const node = nodes!.booted.get(i.InstanceId!)!
      expect(node.userData).toContain('sha256sum -c')
      expect(node.config['reports-queue-url']).toContain(names.reportsQueue)
    }
    // every report every agent sent was taken: none refused as forged or foreign
    expect(runtimeLog.filter((l) => l.includes('agent channel: refused'))).toEqual([])
  }, 240_000)
})
