import {
  DescribeInstancesCommand,
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand
} from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { describe, expect, it } from 'vitest'
import { ProviderError } from '../errors'
import { createMultiRegionProvider, regionOfZone } from './multi-region'
import { G5_XLARGE, ec2Error, ec2Instance } from '../../../../test/support/ec2-objects'

function setup() {
  const clients = new Map<string, EC2Client>()
  const provider = createMultiRegionProvider(['us-east-1', 'us-west-2'], {
    launch: { imageId: 'ami-1' },
    clientFactory: (config) => {
      const c = new EC2Client(config)
      clients.set(String(config.region), c)
      return c
    }
  })
  const east = mockClient(clients.get('us-east-1')!)
  const west = mockClient(clients.get('us-west-2')!)
  for (const m of [east, west]) {
    m.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [G5_XLARGE] })
    m.on(DescribeImagesCommand).resolves({
      Images: [{ ImageId: 'ami-1', RootDeviceName: '/dev/sda1' }]
    })
  }
  return { provider, east, west }
}

describe('regionOfZone', () => {
  it('maps zones, including local zones, to the configured region', () => {
    const regions = ['us-west-2', 'us-east-1']
    expect(regionOfZone('us-east-1b', regions)).toBe('us-east-1')
    expect(regionOfZone('us-west-2-lax-1a', regions)).toBe('us-west-2')
    expect(regionOfZone('eu-west-1a', regions)).toBeUndefined()
  })
})

describe('createMultiRegionProvider', () => {
  it('merges listings and routes terminate to the region that owns the instance', async () => {
    const { provider, east, west } = setup()
    east.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [ec2Instance({ InstanceId: 'i-0eeeeeeeeeeeeeee1' })] }]
    })
    west.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            ec2Instance({
              InstanceId: 'i-0fffffffffffffff1',
              Placement: { AvailabilityZone: 'us-west-2a' }
            })
          ]
        }
      ]
    })
    west.on(TerminateInstancesCommand).resolves({})
    const list = await provider.listInstances()
    expect(list.map((i) => [i.id, i.region])).toEqual([
      ['i-0eeeeeeeeeeeeeee1', 'us-east-1'],
      ['i-0fffffffffffffff1', 'us-west-2']
    ])
    await provider.terminate('i-0fffffffffffffff1')
    expect(west.commandCalls(TerminateInstancesCommand)).toHaveLength(1)
    expect(east.commandCalls(TerminateInstancesCommand)).toHaveLength(0)
  })

  it("moves to the next region's zones on capacity and reports every zone tried", async () => {
    const { provider, east, west } = setup()
    east.on(RunInstancesCommand).rejects(ec2Error('InsufficientInstanceCapacity', 'none'))
    west.on(RunInstancesCommand).rejects(ec2Error('InsufficientInstanceCapacity', 'none'))
    const err = await provider
      .launch({
        instanceType: 'g5.xlarge',
        market: 'spot',
        zones: ['us-east-1a', 'us-west-2b', 'us-east-1c'],
        name: 'n'
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderError)
    expect((err as ProviderError).code).toBe('capacity')
    expect((err as ProviderError).details.zonesTried).toEqual([
      'us-east-1a',
      'us-east-1c',
      'us-west-2b'
    ])
  })
})
