// InstanceTypeInfo for the sandbox's catalog. The simulator's InstanceTypeSpec knows GPUs, GPU memory and
// bandwidth; the rest (GPU model, vCPUs, memory, AWS's network wording) comes from AWS's published specs
// for the catalog's types, with a plain estimate for any other type a test or user adds.

import type { InstanceTypeSpec } from '../../../shared/simulation'
import type { InstanceTypeInfo } from '../types'

type Extra = Pick<InstanceTypeInfo, 'gpuModel' | 'vcpus' | 'memoryGiB' | 'network'>

const KNOWN: Readonly<Record<string, Extra>> = {
  'g5.xlarge': { gpuModel: 'NVIDIA A10G', vcpus: 4, memoryGiB: 16, network: 'Up to 10 Gigabit' },
  'g6e.xlarge': { gpuModel: 'NVIDIA L40S', vcpus: 4, memoryGiB: 32, network: 'Up to 20 Gigabit' },
  'p3.2xlarge': { gpuModel: 'NVIDIA V100', vcpus: 8, memoryGiB: 61, network: 'Up to 10 Gigabit' },
  'p3.8xlarge': { gpuModel: 'NVIDIA V100', vcpus: 32, memoryGiB: 244, network: '10 Gigabit' }
}

export function instanceTypeInfo(spec: InstanceTypeSpec): InstanceTypeInfo {
  const extra: Extra = KNOWN[spec.name] ?? {
    // a rough but plausible shape: 4 vCPUs and 16 GiB per GPU
    vcpus: Math.max(2, 4 * spec.gpus),
    memoryGiB: Math.max(8, 16 * spec.gpus),
    network: `${spec.networkGbps} Gigabit`
  }
  return {
    instanceType: spec.name,
    gpus: spec.gpus,
    ...(spec.gpus > 0 && extra.gpuModel ? { gpuModel: extra.gpuModel } : {}),
    gpuMemoryGiB: spec.gpuMemoryGiB,
    totalGpuMemoryGiB: spec.gpuMemoryGiB * spec.gpus,
    vcpus: extra.vcpus,
    memoryGiB: extra.memoryGiB,
    network: extra.network
  }
}
