// The agent channel against moto (a real AWS API emulator, ../shared/moto): the built agent bundle
// runs as a real process against the IMDS fixture and a vLLM stub, reports over the real SQS reports
// queue, publishes its endpoint as a tag in moto's EC2, and the cockpit side (the channel into the AWS
// operations' agent intake, the same sink as the HTTP routes) takes its heartbeats and its drain
// report, refuses a report about an instance outside the fleet, and the serving backend reports the
// replica ready. The bundle is uploaded to S3 and fetched back by its presigned URL, checksum intact.
import { execFileSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateQueueCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig
} from '@aws-sdk/client-sqs'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { DescribeImagesCommand, DescribeInstanceAttributeCommand } from '@aws-sdk/client-ec2'
import {
  awsDataDir,
  createAgentResources,
  haveMoto,
  motoSenderCheck,
  sayWhenMotoIsMissing,
  startMoto,
  startMotoRuntime
} from '../support/moto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../src/shared/api'
import type { InterruptionEvent, ManagedInstance } from '../../src/shared/fleet'
import { systemClock } from '../../src/main/clock'
import { createAwsOperations } from '../../src/main/engine/aws-operations'
import { openHistory, type History } from '../../src/main/history'
import { createAwsProvider, type AwsProvider } from '../../src/main/providers/aws'
import {
  ownedByListing,
  reportEnvelope,
  reportsQueueName,
  runAgentChannel,
  type ChannelOutcome
} from '../../src/main/providers/aws/agent-channel'
import { presignBundle, publishAgentBundle } from '../../src/main/providers/aws/agent-boot'
import type { Runtime } from '../../src/main/runtime/runtime'
import { agentServing } from '../../src/main/serving/agent'
import { checkReady } from '../../src/main/serving/serving'
import { startImdsServer, type ImdsFixture } from '../fixtures/imds-server'
import { startVllmStub, type VllmStub } from '../fixtures/vllm-stub'
import { until } from '../support/until'
import { startAgentProcess } from '../support/moto-nodes'

sayWhenMotoIsMissing('aws-agent-channel')

const ROOT = join(__dirname, '..', '..')
const MODEL = 'org/model-7b'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

describe.skipIf(!haveMoto)('the agent channel against moto', () => {
  let pid = 0
  let endpoint = ''
  let provider: AwsProvider
  let sqs: SQSClient
  let queueUrl = ''
  let imds: ImdsFixture
  let vllm: VllmStub
  let agent: ChildProcess | undefined
  let agentLog = ''
  let history: History
  const dir = mkdtempSync(join(tmpdir(), 'synkti-agent-channel-'))
  const stopChannel = new AbortController()
  let channel: Promise<void> | undefined

  /** the built bundle as a real process, as the systemd unit starts it, against the fixtures */
  function startAgent(
    config: { queueUrl: string; port: string } | { configDir: string }
  ): ChildProcess {
    return startAgentProcess({
      bundlePath: join(dir, 'synkti-agent.mjs'),
      args:
        'configDir' in config
          ? ['--config-dir', config.configDir]
          : ['--reports-queue-url', config.queueUrl, '--serve-port', config.port],
      imdsUrl: imds.url,
      endpoint,
      heartbeatMs: 300,
      output: (chunk) => (agentLog += chunk)
    })
  }

  beforeAll(async () => {
    ;({ pid, endpoint } = await startMoto())
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-agent.mjs'), dir], {
      timeout: 120_000
    })
  }, 300_000)

  afterAll(async () => {
    agent?.kill('SIGKILL')
    stopChannel.abort()
    await channel
    await Promise.all([imds?.close(), vllm?.close()])
    history?.close()
    if (pid) process.kill(pid)
    rmSync(dir, { recursive: true, force: true })
  })

  it('ships the bundle by S3 and a presigned URL, bytes and sha256 intact', async () => {
    const s3 = new S3Client({ region: 'us-east-1', endpoint, credentials, forcePathStyle: true })
    await s3.send(new CreateBucketCommand({ Bucket: 'synkti-123456789012-us-east-1' }))
    const bundlePath = join(dir, 'synkti-agent.mjs')
    const first = await publishAgentBundle({
      s3,
      bucket: 'synkti-123456789012-us-east-1',
      bundlePath,
      version: '0.1.0'
    })
    const again = await publishAgentBundle({
      s3,
      bucket: 'synkti-123456789012-us-east-1',
      bundlePath,
      version: '0.1.0'
    })
    expect([first.uploaded, again.uploaded]).toEqual([true, false])
    expect(`${first.sha256}  synkti-agent.mjs\n`).toBe(readFileSync(`${bundlePath}.sha256`, 'utf8'))
    const url = await presignBundle(s3, 'synkti-123456789012-us-east-1', first.key, 600)
    expect(url).toContain('X-Amz-Signature=')
    const fetched = Buffer.from(await (await fetch(url)).arrayBuffer())
    expect(createHash('sha256').update(fetched).digest('hex')).toBe(first.sha256)
  })

  it('a real agent reports over SQS, publishes its endpoint, and its drain report ends the drain', async () => {
    const client = { region: 'us-east-1', endpoint, credentials }
    provider = createAwsProvider({ ...client, fleetTag: 'lab' })
    const images = await provider.client.send(new DescribeImagesCommand({ Owners: ['amazon'] }))
    const imageId = images.Images!.find((i) => i.RootDeviceName)!.ImageId!
    provider = createAwsProvider({ ...client, fleetTag: 'lab', launch: { imageId } })
    sqs = new SQSClient({ ...client } as SQSClientConfig)
    queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: reportsQueueName('lab'),
          Attributes: { FifoQueue: 'true' }
        })
      )
    ).QueueUrl!
    const launched = await provider.launch({
      instanceType: 'g5.xlarge',
      market: 'ondemand',
      name: 'chat-replica-1',
      model: MODEL,
      tags: { 'synkti:workload': 'chat', 'synkti:role': 'serving' }
    })

    // the instance's world: its metadata (id, tags, address) and its model server
    imds = await startImdsServer({ instanceId: launched.id })
    imds.setRaw('/latest/meta-data/tags/instance/synkti:model', MODEL)
    imds.setRaw('/latest/meta-data/public-ipv4', '127.0.0.1')
    imds.setRaw('/latest/meta-data/placement/region', 'us-east-1')
    vllm = await startVllmStub({ kind: 'busy', running: 2, waiting: 1 }, { modelName: MODEL })
    const vllmPort = new URL(vllm.url).port

    // the cockpit side: the channel into the AWS operations' agent intake
    history = openHistory(join(dir, 'history.db'))
    const interruptions: InterruptionEvent[] = []
    const operations = createAwsOperations({
      provider,
      clock: systemClock,
      settings: () => ({ ...DEFAULT_SETTINGS, pollIntervalSeconds: 3600 }),
      history
    })
    operations.start({
      interruption: (e) => void interruptions.push(e),
      record: () => undefined,
      recordStored: () => undefined,
      known: () => []
    })
    const outcomes: ChannelOutcome[] = []
    channel = runAgentChannel({
      client: sqs,
      queueUrl,
      sink: (kind, body) => operations.agentReport(kind, body),
      owned: ownedByListing(() => provider.listInstances(), systemClock),
      // moto cannot tell senders apart (see MOTO_SENDER in test/support/moto.ts); the fleet check below is the real one
      senderCheck: motoSenderCheck,
      signal: stopChannel.signal,
      clock: systemClock,
      waitSeconds: 1,
      onOutcome: (o) => outcomes.push(o)
    })

    agent = startAgent({ queueUrl, port: vllmPort })

    // heartbeats arrive with the vLLM queue length the agent read
    const instance = (): Promise<ManagedInstance | undefined> =>
      provider.listInstances().then((list) => list.find((i) => i.id === launched.id))
    await until('a heartbeat over SQS', async () => {
      const i = await instance()
      return i && operations.load(i) === 3 ? true : undefined
    }).catch((error: Error) => {
      throw new Error(
        `${error.message}\nagent log:\n${agentLog}\nchannel: ${JSON.stringify(outcomes.slice(0, 5))}`
      )
    })

    // the endpoint tag in EC2, and the serving backend reports the replica ready
    const serving = agentServing()
    const published = await until('the synkti:endpoint tag', async () => {
      const i = await instance()
      return i && serving.endpoint(i)
    })
    expect(published).toBe(`http://127.0.0.1:${vllmPort}`)
    expect(await checkReady(published, MODEL)).toEqual({ ready: true })

    // a report about an instance outside the fleet is refused and never reaches the intake
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(
          reportEnvelope('heartbeat', {
            instanceId: 'i-0aaaaaaaaaaaaaaa0',
            at: Date.now(),
            state: 'watching',
            load: 99
          } as { instanceId: string })
        ),
        MessageGroupId: 'i-0aaaaaaaaaaaaaaa0',
        MessageDeduplicationId: 'forged-1'
      })
    )
    await until('the forged report refused', async () =>
      outcomes.some(
        (o) => o.kind === 'refused' && o.reason.includes('i-0aaaaaaaaaaaaaaa0 is not an instance')
      )
        ? true
        : undefined
    )

    // a spot notice: the agent drains its vLLM and the drain report over SQS ends the cockpit's wait
    const noticed = await instance()
    const drainWait = operations.drain(noticed!, Date.now() + 15_000)
    await vllm.setMode({ kind: 'draining', running: 2, waiting: 1, polls: 3 })
    imds.scheduleNotice('terminate', new Date(Date.now() + 10_000).toISOString())
    const result = await drainWait
    expect(result).toMatchObject({ outcome: 'drained', lastRunning: 0, lastWaiting: 0 })
    expect(interruptions.map((e) => [e.instanceId, e.kind, e.source])).toContainEqual([
      launched.id,
      'interruption-notice',
      'imds'
    ])
    // every report was stored once: no duplicates from retries or redelivery
    const ids = outcomes.filter((o) => o.kind === 'stored').map((o) => o.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(agentLog).toMatch(/endpoint-published/)
    operations.stop()
    agent.kill('SIGTERM')
    stopChannel.abort()
    await channel
    await Promise.all([imds.close(), vllm.close()])
  }, 90_000)

  it('the AWS runtime launches a replica whose boot script installs the bundle, and routes to it once its agent publishes the endpoint', async () => {
    await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' })
    const env = {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1'
    }
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
    Object.assign(process.env, env)
    let runtime: Runtime | undefined
    const lines: string[] = []
    try {
      const client = { region: 'us-east-1', endpoint, credentials }
      const probe = createAwsProvider({ ...client, fleetTag: 'lab' })
      const images = await probe.client.send(new DescribeImagesCommand({ Owners: ['amazon'] }))
      const imageId = images.Images!.find((i) => /^ami-[0-9a-f]{8,17}$/.test(i.ImageId!))!.ImageId!
      // what `synkti aws setup` creates: the reports queue and the bucket
      queueUrl = await createAgentResources(client, 'lab', 'synkti-123456789012-us-east-1')
      const dataDir = awsDataDir(join(dir, 'runtime'), 'lab', imageId)
      runtime = await startMotoRuntime({
        dataDir,
        bundlePath: join(dir, 'synkti-agent.mjs'),
        token: 'a-runtime-token-for-tests',
        log: (l) => lines.push(l)
      })
      await until('the agent channel and bundle', async () =>
        lines.some((l) => l.startsWith('agent channel: receiving')) &&
        lines.some((l) => l.startsWith('agent bundle uploaded'))
          ? true
          : undefined
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${lines.join('\n')}`)
      })
      vllm = await startVllmStub({ kind: 'busy', running: 0, waiting: 0 }, { modelName: MODEL })
      const port = Number(new URL(vllm.url).port)
      const applied = await runtime.handlers.applyWorkloads({
        text: [
          'kind: service',
          'name: chat',
          `model: ${MODEL}`,
          'replicas: 1',
          'standby: 0',
          'instanceTypes: [g5.xlarge]',
          'market: ondemand',
          `port: ${port}`
        ].join('\n'),
        file: 'chat.yaml'
      })
      expect(applied).toBeTruthy()
      const replica = await until(
        'a replica launched in moto',
        async () => (await probe.listInstances()).find((i) => i.tags['synkti:workload'] === 'chat'),
        30_000
      )
      const attr = await probe.client.send(
        new DescribeInstanceAttributeCommand({ InstanceId: replica.id, Attribute: 'userData' })
      )
      const script = Buffer.from(attr.UserData!.Value!, 'base64').toString('utf8')
      expect(script).toContain(`'${queueUrl}'`)
      expect(script).toContain('sha256sum -c')
      expect(script).not.toContain('a-runtime-token-for-tests')
      // the bundle URL in the script fetches exactly the bytes whose sha256 the script checks
      const bundleUrl = /curl [^\n]* '([^']+)'\n/.exec(script)![1]
      const sha = /printf '%s {2}%s\\n' '([0-9a-f]{64})'/.exec(script)![1]
      const fetched = Buffer.from(await (await fetch(bundleUrl)).arrayBuffer())
      expect(createHash('sha256').update(fetched).digest('hex')).toBe(sha)
      expect(sha).toBe(readFileSync(join(dir, 'synkti-agent.mjs.sha256'), 'utf8').split(' ')[0])

      // the instance boots: its agent runs against its metadata and its model server
      imds = await startImdsServer({ instanceId: replica.id })
      imds.setRaw('/latest/meta-data/tags/instance/synkti:model', MODEL)
      imds.setRaw('/latest/meta-data/public-ipv4', '127.0.0.1')
      imds.setRaw('/latest/meta-data/placement/region', 'us-east-1')
      // as the boot script leaves them: one value per file, read by the unit's --config-dir
      const etc = join(dir, 'etc-synkti')
      mkdirSync(etc, { recursive: true })
      writeFileSync(join(etc, 'reports-queue-url'), `${queueUrl}\n`)
      writeFileSync(join(etc, 'model-port'), `${port}\n`)
      writeFileSync(join(etc, 'endpoint-address'), 'public\n')
      agent = startAgent({ configDir: etc })
      await until(
        'the replica routed',
        async () =>
          runtime!.router.replicas().some((r) => r.id === replica.id) ? true : undefined,
        45_000
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nagent log:\n${agentLog}\nruntime:\n${lines.join('\n')}`)
      })
      // every report of the agent came over the channel and was taken (none refused)
      expect(lines.filter((l) => l.startsWith('agent channel: refused'))).toEqual([])
    } finally {
      agent?.kill('SIGTERM')
      await runtime?.stop()
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
    }
  }, 150_000)
})
