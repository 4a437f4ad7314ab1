import {
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  RunInstancesCommand
} from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { ProviderError } from '../errors'
import type { LaunchRequest } from '../types'
import type { AmiResolver } from './ami'
import { createAwsProvider, type AwsProviderOptions } from './provider'
import { G5_XLARGE, ec2Error, ec2Instance } from '../../../../test/support/ec2-objects'

const ec2 = mockClient(EC2Client)
const NOW = Date.parse('2025-03-01T12:00:00Z')

const spotReq: LaunchRequest = {
  instanceType: 'g5.xlarge',
  market: 'spot',
  zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  name: 'worker-1',
  model: 'mistral-7b',
  userData: '#!/bin/bash\necho synkti\n'
}

function provider(extra: Partial<AwsProviderOptions> = {}) {
  return createAwsProvider({
    region: 'us-east-1',
    now: () => NOW,
    launch: { imageId: 'ami-0123456789abcdef0', securityGroupIds: ['sg-0aa'], keyName: 'ops' },
    ...extra
  })
}

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(ProviderError)
  return err as ProviderError
}

beforeEach(() => {
  ec2.reset()
  ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [G5_XLARGE] })
  ec2.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => ({
    Images: (input.ImageIds ?? []).map((ImageId) => ({ ImageId, RootDeviceName: '/dev/sda1' }))
  }))
  ec2.on(DescribeSpotPriceHistoryCommand).resolves({
    SpotPriceHistory: [
      {
        AvailabilityZone: 'us-east-1b',
        InstanceType: 'g5.xlarge',
        SpotPrice: '0.42',
        Timestamp: new Date(NOW)
      }
    ]
  })
})

describe('launch', () => {
  it('sends a one-time spot request with fleet, Name and model tags on the instance and its volumes', async () => {
    ec2.on(RunInstancesCommand).resolves({
      Instances: [
        ec2Instance({
          InstanceId: 'i-0aaaaaaaaaaaaaaa1',
          InstanceLifecycle: 'spot',
          State: { Name: 'pending', Code: 0 }
        })
      ]
    })
    const inst = await provider().launch(spotReq)

    const input = ec2.commandCalls(RunInstancesCommand)[0].args[0].input
    const tags = [
      { Key: 'synkti:fleet', Value: 'synkti' },
      { Key: 'Name', Value: 'worker-1' },
      { Key: 'synkti:model', Value: 'mistral-7b' }
    ]
    expect(input).toEqual({
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 'g5.xlarge',
      ImageId: 'ami-0123456789abcdef0',
      Placement: { AvailabilityZone: 'us-east-1a' },
      InstanceMarketOptions: {
        MarketType: 'spot',
        SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' }
      },
      SecurityGroupIds: ['sg-0aa'],
      KeyName: 'ops',
      MetadataOptions: {
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 2,
        HttpEndpoint: 'enabled',
        InstanceMetadataTags: 'enabled'
      },
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/sda1',
          Ebs: { VolumeSize: 200, VolumeType: 'gp3', DeleteOnTermination: true }
        }
      ],
      UserData: Buffer.from(spotReq.userData!, 'utf8').toString('base64'),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags }
      ]
    })
    expect(inst).toMatchObject({
      id: 'i-0aaaaaaaaaaaaaaa1',
      state: 'pending',
      market: 'spot',
      gpus: 1,
      gpuMemoryGiB: 24
    })
  })

  it('launches on-demand without market options, through the zone subnet when one is configured', async () => {
    ec2
      .on(RunInstancesCommand)
      .resolves({ Instances: [ec2Instance({ InstanceId: 'i-0aaaaaaaaaaaaaaa2' })] })
    const p = provider({
      launch: { imageId: 'ami-1', subnetByZone: { 'us-east-1a': 'subnet-0a' } }
    })
    const inst = await p.launch({
      instanceType: 'g5.xlarge',
      market: 'ondemand',
      zones: ['us-east-1a'],
      name: 'od'
    })
    const input = ec2.commandCalls(RunInstancesCommand)[0].args[0].input
    expect(input.InstanceMarketOptions).toBeUndefined()
    expect(input.SubnetId).toBe('subnet-0a')
    expect(input.Placement).toBeUndefined()
    expect(input.UserData).toBeUndefined()
    expect(inst).toMatchObject({ market: 'ondemand', pricePerHour: 1.006 })
  })

  it('sizes the root disk of the AMI from the request, and refuses sizes EC2 would reject', async () => {
    ec2
      .on(RunInstancesCommand)
      .resolves({ Instances: [ec2Instance({ InstanceId: 'i-0aaaaaaaaaaaaaaa9' })] })
    await provider().launch({ ...spotReq, rootVolumeGiB: 500 })
    const input = ec2.commandCalls(RunInstancesCommand)[0].args[0].input
    expect(input.BlockDeviceMappings?.[0].Ebs?.VolumeSize).toBe(500)
    const err = await rejection(provider().launch({ ...spotReq, rootVolumeGiB: 4 }))
    expect(err.code).toBe('invalid-parameter')
    expect(err.message).toContain(
      'root volume must be a whole number of GiB from 8 to 16384, got 4'
    )
  })

  it('refuses an instance type the region does not know, before RunInstances', async () => {
    ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [] })
    const err = await rejection(provider().launch({ ...spotReq, instanceType: 'g9.huge' }))
    expect(err.code).toBe('invalid-parameter')
    expect(err.message).toBe('Launching g9.huge failed: us-east-1 has no instance type g9.huge')
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0)
  })

  it('tries the next zone on InsufficientInstanceCapacity / SpotMaxPriceTooLow and returns where it succeeded', async () => {
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(
        ec2Error(
          'InsufficientInstanceCapacity',
          'We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (us-east-1a).'
        )
      )
      .resolvesOnce({
        Instances: [
          ec2Instance({
            InstanceId: 'i-0aaaaaaaaaaaaaaa3',
            InstanceLifecycle: 'spot',
            Placement: { AvailabilityZone: 'us-east-1b' }
          })
        ]
      })
    const inst = await provider().launch(spotReq)
    const zones = ec2
      .commandCalls(RunInstancesCommand)
      .map((c) => c.args[0].input.Placement?.AvailabilityZone)
    expect(zones).toEqual(['us-east-1a', 'us-east-1b'])
    expect(inst).toMatchObject({ zone: 'us-east-1b', pricePerHour: 0.42 })
  })

  it('also moves on when the type is not offered in a zone (Unsupported)', async () => {
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(
        ec2Error(
          'Unsupported',
          'Your requested instance type (g5.xlarge) is not supported in your requested Availability Zone (us-east-1a).'
        )
      )
      .resolvesOnce({
        Instances: [
          ec2Instance({
            InstanceId: 'i-0aaaaaaaaaaaaaaa5',
            Placement: { AvailabilityZone: 'us-east-1b' }
          })
        ]
      })
    expect((await provider().launch(spotReq)).zone).toBe('us-east-1b')
  })

  it("raises 'capacity' naming every zone tried when none has room; the engine decides the fallback", async () => {
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(ec2Error('InsufficientInstanceCapacity', 'no capacity'))
      .rejectsOnce(ec2Error('SpotMaxPriceTooLow', 'price too low'))
      .rejectsOnce(ec2Error('InsufficientCapacity', 'no capacity'))
    const err = await rejection(provider().launch(spotReq))
    expect(err.code).toBe('capacity')
    expect(err.message).toBe(
      'No spot capacity for g5.xlarge in us-east-1a (InsufficientInstanceCapacity), us-east-1b (SpotMaxPriceTooLow), us-east-1c (InsufficientCapacity): try other zones or instance types, or on-demand'
    )
    expect(err.details.zonesTried).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c'])
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(3)
  })

  it('stops at the first non-capacity error without trying other zones', async () => {
    ec2
      .on(RunInstancesCommand)
      .rejects(
        ec2Error('InvalidAMIID.NotFound', "The image id '[ami-0123456789abcdef0]' does not exist")
      )
    const err = await rejection(provider().launch(spotReq))
    expect(err.code).toBe('invalid-parameter')
    expect(err.message).toContain('InvalidAMIID.NotFound')
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(1)
  })

  it("DryRun: sends DryRun and turns DryRunOperation into 'dry-run-ok'", async () => {
    ec2
      .on(RunInstancesCommand)
      .rejects(ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.'))
    const err = await rejection(provider().launch({ ...spotReq, dryRun: true }))
    expect(ec2.commandCalls(RunInstancesCommand)[0].args[0].input.DryRun).toBe(true)
    expect(err.code).toBe('dry-run-ok')
    expect(err.message).toBe(
      'Dry run: launching g5.xlarge (spot) in us-east-1a would have succeeded; nothing was launched'
    )
  })

  it('DryRun that is not allowed reports the missing permission', async () => {
    ec2
      .on(RunInstancesCommand)
      .rejects(
        ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.')
      )
    const err = await rejection(provider().launch({ ...spotReq, dryRun: true }))
    expect(err.code).toBe('unauthorized')
    expect(err.message).toContain('ec2:RunInstances')
  })

  it('refuses before calling RunInstances when no AMI can be had or user data is too large', async () => {
    const noParameter: AmiResolver = {
      resolve: () =>
        Promise.reject(new ProviderError('invalid-parameter', 'no AMI configured, and no DLAMI'))
    }
    const noAmi = await rejection(
      createAwsProvider({ region: 'us-east-1', amiResolver: noParameter }).launch(spotReq)
    )
    expect(noAmi.code).toBe('invalid-parameter')
    expect(noAmi.message).toContain('no AMI configured')
    const big = await rejection(
      provider().launch({ ...spotReq, userData: 'x'.repeat(16 * 1024 + 1) })
    )
    expect(big.code).toBe('invalid-parameter')
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0)
  })

  it('returns the launched instance even when the spot price lookup afterwards fails', async () => {
    ec2.on(DescribeSpotPriceHistoryCommand).rejects(ec2Error('UnauthorizedOperation', 'nope'))
    ec2.on(RunInstancesCommand).resolves({
      Instances: [ec2Instance({ InstanceId: 'i-0aaaaaaaaaaaaaaa4', InstanceLifecycle: 'spot' })]
    })
    const inst = await provider().launch(spotReq)
    expect(inst).toMatchObject({ id: 'i-0aaaaaaaaaaaaaaa4', pricePerHour: 0 })
  })
})
