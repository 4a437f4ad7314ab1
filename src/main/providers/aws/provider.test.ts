import {
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client
} from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { toInstanceTypeInfo } from './mapping'
import { createAwsProvider } from './provider'
import { G5_12XLARGE, G5_XLARGE, M5_LARGE, ec2Instance } from '../../../../test/support/ec2-objects'

const ec2 = mockClient(EC2Client)
const NOW = Date.parse('2025-03-01T12:00:00Z')

beforeEach(() => ec2.reset())

function provider(extra: Partial<Parameters<typeof createAwsProvider>[0]> = {}) {
  return createAwsProvider({ region: 'us-east-1', now: () => NOW, ...extra })
}

describe('listInstances', () => {
  it('follows NextToken across two pages and sends the fleet-tag and live-state filters', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              ec2Instance({ InstanceId: 'i-0000000000000001a', InstanceLifecycle: 'spot' })
            ]
          }
        ],
        NextToken: 'page-2'
      })
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              ec2Instance({
                InstanceId: 'i-0000000000000002b',
                InstanceType: 'g5.12xlarge',
                Placement: { AvailabilityZone: 'us-east-1b' },
                Tags: [
                  { Key: 'synkti:fleet', Value: 'prod' },
                  { Key: 'Name', Value: 'big' },
                  { Key: 'synkti:model', Value: 'llama-3-70b' }
                ]
              })
            ]
          }
        ]
      })
    ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [G5_XLARGE, G5_12XLARGE] })
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({
      SpotPriceHistory: [
        {
          AvailabilityZone: 'us-east-1a',
          InstanceType: 'g5.xlarge',
          ProductDescription: 'Linux/UNIX',
          SpotPrice: '0.401200',
          Timestamp: new Date(NOW - 60_000)
        },
        {
          AvailabilityZone: 'us-east-1b',
          InstanceType: 'g5.xlarge',
          ProductDescription: 'Linux/UNIX',
          SpotPrice: '0.452000',
          Timestamp: new Date(NOW - 60_000)
        }
      ]
    })

    const list = await provider({ fleetTag: 'prod' }).listInstances()

    const calls = ec2.commandCalls(DescribeInstancesCommand)
    expect(calls).toHaveLength(2)
    expect(calls[1].args[0].input.NextToken).toBe('page-2')
    expect(calls[0].args[0].input.Filters).toEqual([
      { Name: 'tag:synkti:fleet', Values: ['prod'] },
      {
        Name: 'instance-state-name',
        Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped']
      }
    ])
    expect(list.map((i) => i.id)).toEqual(['i-0000000000000001a', 'i-0000000000000002b'])

    const [spot, od] = list
    expect(spot).toMatchObject({
      provider: 'aws',
      region: 'us-east-1',
      zone: 'us-east-1a',
      market: 'spot',
      state: 'running',
      gpus: 1,
      gpuMemoryGiB: 24,
      pricePerHour: 0.4012,
      onDemandPricePerHour: 1.006,
      launchedAt: Date.parse('2025-03-01T10:00:00Z')
    })
    expect(od).toMatchObject({
      market: 'ondemand',
      name: 'big',
      gpus: 4,
      gpuMemoryGiB: 24,
      model: 'llama-3-70b',
      pricePerHour: 5.672
    })
    expect(od.tags['synkti:fleet']).toBe('prod')
  })

  it('caches instance type info and current spot prices between calls', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [ec2Instance({ InstanceId: 'i-0000000000000001a', InstanceLifecycle: 'spot' })]
        }
      ]
    })
    ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [G5_XLARGE] })
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [] })
    const p = provider()
    await p.listInstances()
    await p.listInstances()
    expect(ec2.commandCalls(DescribeInstanceTypesCommand)).toHaveLength(1)
    expect(ec2.commandCalls(DescribeSpotPriceHistoryCommand)).toHaveLength(1)
  })
})

describe('describeInstanceTypes', () => {
  it('maps GPU count, model, per-GPU and total memory, vCPUs, memory and network', async () => {
    ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [G5_12XLARGE, M5_LARGE] })
    const infos = await provider().describeInstanceTypes(['g5.12xlarge', 'm5.large'])
    expect(ec2.commandCalls(DescribeInstanceTypesCommand)[0].args[0].input.InstanceTypes).toEqual([
      'g5.12xlarge',
      'm5.large'
    ])
    expect(infos).toEqual([
      {
        instanceType: 'g5.12xlarge',
        gpus: 4,
        gpuModel: 'NVIDIA A10G',
        gpuMemoryGiB: 24,
        totalGpuMemoryGiB: 96,
        vcpus: 48,
        memoryGiB: 192,
        network: '40 Gigabit'
      },
      {
        instanceType: 'm5.large',
        gpus: 0,
        gpuMemoryGiB: 0,
        totalGpuMemoryGiB: 0,
        vcpus: 2,
        memoryGiB: 8,
        network: 'Up to 10 Gigabit'
      }
    ])
  })

  it('falls back to an even split of TotalGpuMemoryInMiB when a device has no MemoryInfo', () => {
    const info = toInstanceTypeInfo({
      InstanceType: 'p5.48xlarge',
      GpuInfo: {
        Gpus: [{ Name: 'H100', Manufacturer: 'NVIDIA', Count: 8 }],
        TotalGpuMemoryInMiB: 8 * 81920
      }
    })
    expect(info).toMatchObject({ gpus: 8, gpuMemoryGiB: 80, totalGpuMemoryGiB: 640 })
  })

  it('follows NextToken when AWS pages the answer', async () => {
    ec2
      .on(DescribeInstanceTypesCommand)
      .resolvesOnce({ InstanceTypes: [G5_XLARGE], NextToken: 't2' })
      .resolvesOnce({ InstanceTypes: [G5_12XLARGE] })
    const infos = await provider().describeInstanceTypes(['g5.xlarge', 'g5.12xlarge'])
    expect(infos.map((i) => i.gpus)).toEqual([1, 4])
    expect(ec2.commandCalls(DescribeInstanceTypesCommand)).toHaveLength(2)
  })
})

describe('spotPriceHistory', () => {
  it('pages through the history for Linux/UNIX, filters zones and returns points oldest first', async () => {
    const t0 = Date.parse('2025-02-01T00:00:00Z')
    ec2
      .on(DescribeSpotPriceHistoryCommand)
      .resolvesOnce({
        SpotPriceHistory: [
          {
            AvailabilityZone: 'us-east-1b',
            InstanceType: 'g5.xlarge',
            ProductDescription: 'Linux/UNIX',
            SpotPrice: '0.5100',
            Timestamp: new Date(t0 + 7_200_000)
          },
          {
            AvailabilityZone: 'us-east-1a',
            InstanceType: 'g5.xlarge',
            ProductDescription: 'Linux/UNIX',
            SpotPrice: '0.4800',
            Timestamp: new Date(t0 + 3_600_000)
          }
        ],
        NextToken: 'more'
      })
      .resolvesOnce({
        SpotPriceHistory: [
          {
            AvailabilityZone: 'us-east-1a',
            InstanceType: 'g5.xlarge',
            ProductDescription: 'Linux/UNIX',
            SpotPrice: '0.4500',
            Timestamp: new Date(t0)
          }
        ],
        NextToken: ''
      })

    const points = await provider().spotPriceHistory({
      instanceTypes: ['g5.xlarge'],
      zones: ['us-east-1a', 'us-east-1b'],
      from: t0,
      to: t0 + 86_400_000
    })

    const calls = ec2.commandCalls(DescribeSpotPriceHistoryCommand)
    expect(calls).toHaveLength(2)
    const input = calls[0].args[0].input
    expect(input).toMatchObject({
      InstanceTypes: ['g5.xlarge'],
      ProductDescriptions: ['Linux/UNIX'],
      StartTime: new Date(t0),
      EndTime: new Date(t0 + 86_400_000),
      Filters: [{ Name: 'availability-zone', Values: ['us-east-1a', 'us-east-1b'] }]
    })
    expect(points).toEqual([
      { at: t0, region: 'us-east-1', zone: 'us-east-1a', instanceType: 'g5.xlarge', price: 0.45 },
      {
        at: t0 + 3_600_000,
        region: 'us-east-1',
        zone: 'us-east-1a',
        instanceType: 'g5.xlarge',
        price: 0.48
      },
      {
        at: t0 + 7_200_000,
        region: 'us-east-1',
        zone: 'us-east-1b',
        instanceType: 'g5.xlarge',
        price: 0.51
      }
    ])
  })
})
