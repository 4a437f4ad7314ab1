import { describe, expect, it } from 'vitest'
import { configFromFlags } from './simulate-options'

describe('simulate: the placement workload flags', () => {
  it('builds a fleet of catalog types, models with a cold start, memory needs and the idle release', () => {
    const { config } = configFromFlags({
      instanceTypes: 'g5.xlarge, g5.12xlarge,p3.8xlarge',
      models: '16',
      coldStart: '600',
      gpuMemory: '8,16,24',
      idleRelease: '300'
    })
    expect(
      config.instanceTypes.map((t) => [t.name, t.gpus, t.gpuMemoryGiB, t.onDemandPrice])
    ).toEqual([
      ['g5.xlarge', 1, 24, 1.006],
      ['g5.12xlarge', 4, 24, 5.672],
      ['p3.8xlarge', 4, 16, 12.24]
    ])
    expect(config.idleReleaseSeconds).toBe(300)
    expect(config.workload).toMatchObject({
      kind: 'batch',
      models: 16,
      coldStartSeconds: 600,
      gpuMemoryChoicesGiB: [8, 16, 24]
    })
  })

  it.each([
    [{ instanceTypes: 'g5.xlarge,nope' }, /unknown instance type "nope".*known: .*g5\.12xlarge/],
    [{ instanceTypes: 'g5.xlarge,g5.xlarge' }, /--instance-types lists a type twice/],
    [{ instanceTypes: ' , ' }, /--instance-types needs at least one value/],
    [
      { instanceTypes: 'g5.xlarge', spotPrice: '0.5' },
      /--spot-price and --ondemand-price set the single default type/
    ],
    [
      { instanceTypes: 'g5.xlarge', trace: 'x.csv' },
      /--instance-types applies to the synthetic market/
    ],
    [{ models: '53' }, /models must be <= 52/],
    [{ models: '2.5' }, /--models must be a whole number >= 1/],
    [{ coldStart: '-1' }, /--cold-start must be a number >= 0/],
    [{ gpuMemory: '8,zero' }, /--gpu-memory must be a number > 0, got "zero"/],
    [
      { gpuMemory: '8,32' },
      /tasks need 32 GiB of GPU memory but the largest instance type has 16 GiB/
    ],
    [{ models: '4', job: '10', deadline: '20' }, /--models describes batch tasks/]
  ])('rejects %o with one clear line', (flags, message) => {
    expect(() => configFromFlags(flags)).toThrow(message)
  })
})
