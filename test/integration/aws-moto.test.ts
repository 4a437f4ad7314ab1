// The AWS provider against moto (a real AWS API emulator in server mode, ../shared/moto): what a
// launch actually lands with, and that a foreign instance is refused and left alone.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  RunInstancesCommand,
  type Instance
} from '@aws-sdk/client-ec2'
import { haveMoto, sayWhenMotoIsMissing, startMoto } from '../support/moto'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/main/cli'
import { agentUserData } from '../../src/main/engine/user-data'
import { createAwsProvider, type AwsProvider } from '../../src/main/providers/aws'
import { ProviderError } from '../../src/main/providers/errors'

sayWhenMotoIsMissing('aws-moto')

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

describe.skipIf(!haveMoto)('AWS provider against moto', () => {
  let pid = 0
  let endpoint = ''
  let imageId = ''
  let provider: AwsProvider

  beforeAll(async () => {
    ;({ pid, endpoint } = await startMoto())
  }, 150_000)

  afterAll(() => {
    if (pid) process.kill(pid)
  })

  beforeEach(async () => {
    await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' })
    provider = createAwsProvider({ region: 'us-east-1', endpoint, credentials, fleetTag: 'lab' })
    const images = await provider.client.send(new DescribeImagesCommand({ Owners: ['amazon'] }))
    imageId = images.Images!.find((i) => i.RootDeviceName)!.ImageId!
    provider = createAwsProvider({
      region: 'us-east-1',
      endpoint,
      credentials,
      fleetTag: 'lab',
      launch: { imageId }
    })
  })

  async function described(id: string): Promise<Instance> {
    const out = await provider.client.send(new DescribeInstancesCommand({ InstanceIds: [id] }))
    return out.Reservations![0].Instances![0]
  }

  it('a launch lands with its tags on instance and volume, IMDSv2 required, the root disk size and the boot script', async () => {
    const userData = agentUserData({ cockpitUrl: 'http://10.0.0.5:7777', model: 'org/model-7b' })
    const launched = await provider.launch({
      instanceType: 'g5.xlarge',
      market: 'ondemand',
      zones: ['us-east-1b'],
      name: 'chat-replica-1',
      model: 'org/model-7b',
      tags: { 'synkti:workload': 'chat', 'synkti:role': 'serving' },
      userData,
      rootVolumeGiB: 250
    })
    const i = await described(launched.id)
    const tags = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value]))
    expect(tags).toEqual({
      'synkti:fleet': 'lab',
      Name: 'chat-replica-1',
      'synkti:model': 'org/model-7b',
      'synkti:workload': 'chat',
      'synkti:role': 'serving'
    })
    expect(i.Placement?.AvailabilityZone).toBe('us-east-1b')
    expect(i.MetadataOptions).toMatchObject({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
      HttpEndpoint: 'enabled'
    })
    const root = i.BlockDeviceMappings!.find((b) => b.DeviceName === i.RootDeviceName)!
    const volumes = await provider.client.send(
      new DescribeVolumesCommand({ VolumeIds: [root.Ebs!.VolumeId!] })
    )
    expect(volumes.Volumes![0].Size).toBe(250)
    expect(
      Object.fromEntries((volumes.Volumes![0].Tags ?? []).map((t) => [t.Key, t.Value]))
    ).toMatchObject({ 'synkti:fleet': 'lab', 'synkti:workload': 'chat' })
    const attr = await provider.client.send(
      new DescribeInstanceAttributeCommand({ InstanceId: launched.id, Attribute: 'userData' })
    )
    expect(Buffer.from(attr.UserData!.Value!, 'base64').toString('utf8')).toBe(userData)
    expect((await provider.listInstances()).map((x) => x.id)).toEqual([launched.id])
  })

  it('a foreign instance is neither listed, terminated nor tagged, and stays running', async () => {
    const foreign = await provider.client.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [{ Key: 'synkti:fleet', Value: 'other' }] }
        ]
      })
    )
    const id = foreign.Instances![0].InstanceId!
    expect(await provider.listInstances()).toEqual([])
    const refused = await provider.terminate(id).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(refused).toBeInstanceOf(ProviderError)
    expect((refused as ProviderError).code).toBe('not-owned')
    const retag = await provider.tagInstance(id, { 'synkti:role': 'serving' }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect((retag as ProviderError).code).toBe('not-owned')
    const after = await described(id)
    expect(after.State?.Name).toBe('running')
    expect(after.Tags).toEqual([{ Key: 'synkti:fleet', Value: 'other' }])
  })

  it('an instance type the region does not have is one invalid-parameter line, nothing launched', async () => {
    const err = await provider.launch({ instanceType: 'g9.huge', market: 'spot', name: 'x' }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(ProviderError)
    expect((err as ProviderError).code).toBe('invalid-parameter')
    expect((err as ProviderError).message).not.toContain('\n')
    const all = await provider.client.send(new DescribeInstancesCommand({}))
    expect(all.Reservations ?? []).toEqual([])
  })

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = []
    const err: string[] = []
    const o = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true))
    const e = vi
      .spyOn(process.stderr, 'write')
      .mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true))
    vi.stubEnv('AWS_ENDPOINT_URL', endpoint)
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test')
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test')
    vi.stubEnv('AWS_PROFILE', '')
    try {
      return { code: await main(args), out: out.join(''), err: err.join('') }
    } finally {
      o.mockRestore()
      e.mockRestore()
      vi.unstubAllEnvs()
    }
  }

  it('`synkti fleet launch --provider aws` takes the AMI and disk from flags; --dry-run launches nothing', async () => {
    const dataDir = join(tmpdir(), `synkti-no-settings-${process.pid}`)
    const common = ['fleet', 'launch', '--provider', 'aws', '--region', 'us-east-1']
    const dry = await cli(
      ...common,
      '--type',
      'g5.xlarge',
      '--image-id',
      imageId,
      '--dry-run',
      '--data-dir',
      dataDir
    )
    expect(dry).toMatchObject({ code: 0 })
    expect(dry.out).toContain('Dry run: launching g5.xlarge (spot)')
    expect(
      (await provider.client.send(new DescribeInstancesCommand({}))).Reservations ?? []
    ).toEqual([])
    const real = await cli(
      ...common,
      '--type',
      'g5.xlarge',
      '--market',
      'ondemand',
      '--image-id',
      imageId,
      '--root-volume-gib',
      '300',
      '--fleet-tag',
      'lab',
      '--json',
      '--data-dir',
      dataDir
    )
    expect(real.code).toBe(0)
    const id = (JSON.parse(real.out) as { id: string }).id
    const i = await described(id)
    expect(i.MetadataOptions?.HttpTokens).toBe('required')
    const root = i.BlockDeviceMappings!.find((b) => b.DeviceName === i.RootDeviceName)!
    const vol = await provider.client.send(
      new DescribeVolumesCommand({ VolumeIds: [root.Ebs!.VolumeId!] })
    )
    expect(vol.Volumes![0].Size).toBe(300)
    const noAmi = await cli(...common, '--type', 'g5.xlarge', '--data-dir', dataDir)
    expect(noAmi.code).toBe(2)
    expect(noAmi.err.trimEnd().split('\n')).toHaveLength(1)
    expect(noAmi.err).toContain('no AMI configured')
  })
})
