// Real-shaped EC2 API objects for the provider tests (field names and values as the SDK returns them).

import { EC2ServiceException, type Instance, type InstanceTypeInfo } from '@aws-sdk/client-ec2'

export function ec2Instance(over: Partial<Instance> & { InstanceId: string }): Instance {
  return {
    InstanceType: 'g5.xlarge',
    ImageId: 'ami-0abcdef1234567890',
    LaunchTime: new Date('2025-03-01T10:00:00.000Z'),
    Placement: { AvailabilityZone: 'us-east-1a', Tenancy: 'default' },
    State: { Code: 16, Name: 'running' },
    Tags: [
      { Key: 'synkti:fleet', Value: 'synkti' },
      { Key: 'Name', Value: `worker-${over.InstanceId}` }
    ],
    ...over
  }
}

export const G5_XLARGE: InstanceTypeInfo = {
  InstanceType: 'g5.xlarge',
  VCpuInfo: { DefaultVCpus: 4, DefaultCores: 2, DefaultThreadsPerCore: 2 },
  MemoryInfo: { SizeInMiB: 16384 },
  NetworkInfo: { NetworkPerformance: 'Up to 10 Gigabit' },
  GpuInfo: {
    Gpus: [{ Name: 'A10G', Manufacturer: 'NVIDIA', Count: 1, MemoryInfo: { SizeInMiB: 24576 } }],
    TotalGpuMemoryInMiB: 24576
  }
}

export const G5_12XLARGE: InstanceTypeInfo = {
  InstanceType: 'g5.12xlarge',
  VCpuInfo: { DefaultVCpus: 48 },
  MemoryInfo: { SizeInMiB: 196608 },
  NetworkInfo: { NetworkPerformance: '40 Gigabit' },
  GpuInfo: {
    Gpus: [{ Name: 'A10G', Manufacturer: 'NVIDIA', Count: 4, MemoryInfo: { SizeInMiB: 24576 } }],
    TotalGpuMemoryInMiB: 98304
  }
}

export const M5_LARGE: InstanceTypeInfo = {
  InstanceType: 'm5.large',
  VCpuInfo: { DefaultVCpus: 2 },
  MemoryInfo: { SizeInMiB: 8192 },
  NetworkInfo: { NetworkPerformance: 'Up to 10 Gigabit' }
}

/** an error as the SDK throws it for an EC2 error response (name = EC2 error code) */
export function ec2Error(code: string, message: string, attempts = 1): EC2ServiceException {
  const err = new EC2ServiceException({
    name: code,
    $fault: 'client',
    message,
    $metadata: { httpStatusCode: 400, attempts }
  })
  return Object.assign(err, { Code: code })
}
