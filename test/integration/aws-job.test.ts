// A deadline job on AWS, against moto (../shared/moto): the AWS runtime applies a job, its launch
// carries the job's boot script from the one builder (the agent bundle, the runner, the checkpoint
// prefix in the fleet's bucket), the built agent bundle runs as a real process against the IMDS
// fixture with the state directory the boot script sets up, reports the command's exit over the real
// SQS reports queue, and the controller ends the job and terminates its instance. Exit 0 is done,
// a non-zero exit fails the job with its code.
import { execFileSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand
} from '@aws-sdk/client-ec2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAwsProvider } from '../../src/main/providers/aws'
import type { Runtime } from '../../src/main/runtime/runtime'
import { startImdsServer, type ImdsFixture } from '../fixtures/imds-server'
import {
  awsDataDir,
  createAgentResources,
  haveMoto,
  sayWhenMotoIsMissing,
  startMoto,
  startMotoRuntime
} from '../support/moto'
import { startAgentProcess } from '../support/moto-nodes'
import { until } from '../support/until'

sayWhenMotoIsMissing('aws-job')

const ROOT = join(__dirname, '..', '..')
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const BUCKET = 'synkti-123456789012-us-east-1'

describe.skipIf(!haveMoto)('a deadline job on AWS against moto', () => {
  let pid = 0
  let endpoint = ''
  const dir = mkdtempSync(join(tmpdir(), 'synkti-aws-job-'))
  const agents: ChildProcess[] = []
  const fixtures: ImdsFixture[] = []
  let agentLog = ''
  const saved: Record<string, string | undefined> = {}

  beforeAll(async () => {
    ;({ pid, endpoint } = await startMoto())
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-agent.mjs'), dir], {
      timeout: 120_000
    })
    const env = {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1'
    }
    for (const k of Object.keys(env)) saved[k] = process.env[k]
    Object.assign(process.env, env)
  }, 300_000)

  afterAll(async () => {
    for (const a of agents) a.kill('SIGKILL')
    await Promise.all(fixtures.map((f) => f.close()))
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    if (pid) process.kill(pid)
    rmSync(dir, { recursive: true, force: true })
  })

  /** the instance boots: its agent, as the boot script's unit starts it, with the job's state directory */
  async function bootAgent(instanceId: string, queueUrl: string, exit: string): Promise<void> {
    const imds = await startImdsServer({ instanceId })
    fixtures.push(imds)
    imds.setRaw('/latest/meta-data/placement/region', 'us-east-1')
    const etc = join(dir, `etc-${instanceId}`)
    const state = join(dir, `state-${instanceId}`)
    mkdirSync(etc, { recursive: true })
    mkdirSync(state, { recursive: true })
    writeFileSync(join(etc, 'reports-queue-url'), `${queueUrl}\n`)
    writeFileSync(join(etc, 'endpoint-address'), 'public\n')
    // the container path the boot script writes is mounted from the host; here it is the host's
    writeFileSync(join(etc, 'job-state-dir'), `${state}\n`)
    // what the job's runner leaves when the command exits
    writeFileSync(join(state, 'job-exit'), exit)
    const child = startAgentProcess({
      bundlePath: join(dir, 'synkti-agent.mjs'),
      args: ['--config-dir', etc],
      imdsUrl: imds.url,
      endpoint,
      heartbeatMs: 300,
      output: (chunk) => (agentLog += chunk)
    })
    agents.push(child)
  }

  it('launches the job with its boot script; the agent reports exit 0 and the job is done, then a failing one fails', async () => {
    const client = { region: 'us-east-1', endpoint, credentials }
    const probe = createAwsProvider({ ...client, fleetTag: 'lab' })
    const images = await probe.client.send(new DescribeImagesCommand({ Owners: ['amazon'] }))
    const imageId = images.Images!.find((i) => /^ami-[0-9a-f]{8,17}$/.test(i.ImageId!))!.ImageId!
    // what `synkti aws setup` creates: the reports queue and the bucket
    const queueUrl = await createAgentResources(client, 'lab', BUCKET)
    const dataDir = awsDataDir(join(dir, 'runtime'), 'lab', imageId)
    const lines: string[] = []
    let runtime: Runtime | undefined
    try {
      runtime = await startMotoRuntime({
        dataDir,
        bundlePath: join(dir, 'synkti-agent.mjs'),
        token: 'a-runtime-token-for-tests',
        log: (l) => lines.push(l)
      })
      const job = (name: string, command: string[]): string =>
        [
          'kind: job',
          `name: ${name}`,
          `command: ${JSON.stringify(command)}`,
          'workHours: 1',
          'deadlineHours: 4',
          'checkpoint: { dir: /ckpt, stateGiB: 1, everyMinutes: 30 }',
          'policy: ondemand',
          'instanceTypes: [g5.xlarge]',
          'env: { EPOCHS: "3" }'
        ].join('\n')
      await runtime.handlers.applyWorkloads({
        text: job('ft', ['python', 'train.py', '--resume', '/ckpt']),
        file: 'ft.yaml'
      })
      const instance = await until(
        'the job launched in moto',
        async () => (await probe.listInstances()).find((i) => i.tags['synkti:workload'] === 'ft'),
        45_000
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${lines.join('\n')}`)
      })
      expect(instance.tags['synkti:role']).toBe('job')
      // the same launch builder as a service's: IMDSv2 only, hop limit 2 for the containers
      const described = await probe.client.send(
        new DescribeInstancesCommand({ InstanceIds: [instance.id] })
      )
      expect(described.Reservations![0].Instances![0].MetadataOptions).toMatchObject({
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 2
      })
      const attr = await probe.client.send(
        new DescribeInstanceAttributeCommand({ InstanceId: instance.id, Attribute: 'userData' })
      )
      const script = Buffer.from(attr.UserData!.Value!, 'base64').toString('utf8')
      // the one builder: the agent bundle, the job's values, its units, its checkpoint prefix
      expect(script).toContain('sha256sum -c')
      expect(script).toContain(`'${queueUrl}'`)
      expect(script).toContain(`'s3://${BUCKET}/checkpoints/lab/ft/'`)
      expect(script).toContain(`printf '%s\\0' 'python' 'train.py' '--resume' '/ckpt'`)
      expect(script).toContain(`printf '%s\\0' 'EPOCHS=3'`)
      expect(script).toContain('systemctl start synkti-job.service')
      expect(script).not.toContain('a-runtime-token-for-tests')

      await bootAgent(instance.id, queueUrl, '0\nrun\n')
      const done = await until(
        'the job done',
        async () => {
          const views = await runtime!.handlers.listWorkloads({})
          const v = views.find((w) => w.name === 'ft')?.job
          return v?.finishedHours !== undefined ? v : undefined
        },
        45_000
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nagent log:\n${agentLog}\nruntime:\n${lines.join('\n')}`)
      })
      expect(done.reason).toMatch(/the command exited 0$/)
      expect(done.progressHours).toBe(1)
      await until('its instance terminated', async () => {
        const i = (await probe.listInstances()).find((x) => x.id === instance.id)
        return !i || ['shutting-down', 'terminated'].includes(i.state) ? true : undefined
      })

      agents[0].kill('SIGTERM') // its instance is gone

      // a command that fails: the job is failed with its code, and not relaunched
      await runtime.handlers.applyWorkloads({ text: job('bad', ['false']), file: 'bad.yaml' })
      const bad = await until(
        'the second job launched',
        async () => (await probe.listInstances()).find((i) => i.tags['synkti:workload'] === 'bad'),
        45_000
      )
      await bootAgent(bad.id, queueUrl, '1\nrun\n')
      const failed = await until('the job failed', async () => {
        const views = await runtime!.handlers.listWorkloads({})
        return views.find((w) => w.name === 'bad')?.job?.failed
      }).catch((error: Error) => {
        throw new Error(`${error.message}\nagent log:\n${agentLog}\nruntime:\n${lines.join('\n')}`)
      })
      expect(failed).toMatchObject({ exitCode: 1, phase: 'run' })
      await new Promise((r) => setTimeout(r, 6000)) // another pass or more
      // its instance terminated (the listing drops it), and none launched after it
      const forBad = (await probe.listInstances()).filter(
        (i) =>
          i.tags['synkti:workload'] === 'bad' && !['shutting-down', 'terminated'].includes(i.state)
      )
      expect(forBad).toEqual([])
      expect(
        lines.filter((l) => l.startsWith('bad: at ') && / -> ondemand: /.test(l))
      ).toHaveLength(1)
      // each agent reported its job's exit once, over the queue
      expect(agentLog.match(/ agent job-exit-reported code=0 phase=run /g)).toHaveLength(1)
      expect(agentLog.match(/ agent job-exit-reported code=1 phase=run /g)).toHaveLength(1)
    } finally {
      await runtime?.stop()
    }
  }, 240_000)
})
