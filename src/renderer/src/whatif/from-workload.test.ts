import { describe, expect, it } from 'vitest'
import { checkSimulationConfig } from '@shared/simulation-schema'
import { instanceView, serviceWorkload } from '../../../../test/support/renderer/fake-client'
import { defaultConfig } from '../../../../test/support/renderer/simulation-results'
import { configToForm, formToConfig } from './form-model'
import { applySeed, seedFromWorkload } from './from-workload'

const NOW = Date.UTC(2026, 11, 1, 12)

const service = serviceWorkload('llama', {
  spec: {
    kind: 'service',
    name: 'llama',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    replicas: 2,
    instanceTypes: ['g5.xlarge', 'g6.xlarge'],
    market: 'spot'
  }
})

const job = serviceWorkload('finetune', {
  kind: 'job',
  spec: {
    kind: 'job',
    name: 'finetune',
    command: ['python', 'train.py'],
    workHours: 6,
    deadlineHours: 9,
    changeoverHours: 0.25,
    policy: 'uniform-progress',
    instanceTypes: ['g5.xlarge'],
    zones: ['sandbox-1b']
  },
  instances: []
})

const fleet = [
  instanceView('i-a', { pricePerHour: 0.3, onDemandPricePerHour: 1.006, gpuMemoryGiB: 24 }),
  instanceView('i-b', { pricePerHour: 0.4, onDemandPricePerHour: 1.006, gpuMemoryGiB: 24 }),
  instanceView('i-x', { instanceType: 'p4d.24xlarge', pricePerHour: 9 })
]

describe('simulate this workload', () => {
  it('seeds a service with its type, the fleet prices of that type, its zones and market', () => {
    const seed = seedFromWorkload(service, fleet, NOW)!
    expect(seed).toMatchObject({
      name: 'llama',
      kind: 'service',
      instanceType: 'g5.xlarge',
      zones: ['sandbox-1a', 'sandbox-1b', 'sandbox-1c'],
      market: 'spot',
      spec: { gpus: 1, gpuMemoryGiB: 24, onDemandPrice: 1.006 }
    })
    expect(seed.spec!.meanSpotPrice).toBeCloseTo(0.35)
    const form = configToForm(defaultConfig())
    const notes = applySeed(form, seed)
    expect(form.values['instanceTypes.0.name']).toBe('g5.xlarge')
    expect(form.values['instanceTypes.0.meanSpotPrice']).toBe('0.35')
    expect(form.values['market.zones']).toBe('sandbox-1a, sandbox-1b, sandbox-1c')
    expect(form.policies).toEqual(['greedy', 'ondemand'])
    expect(notes.join(' ')).toContain('one instance type: g5.xlarge (of g5.xlarge, g6.xlarge)')
    expect(formToConfig(form).ok).toBe(true)
  })

  it('seeds a job with C, R, d and its policy, as a deadline job the engine accepts', () => {
    const seed = seedFromWorkload(job, fleet, NOW)!
    expect(seed.job).toEqual({
      workHours: 6,
      deadlineHours: 9,
      changeoverHours: 0.25,
      policy: 'uniform-progress'
    })
    const form = configToForm(defaultConfig())
    applySeed(form, seed)
    expect(form.workloadKind).toBe('deadline')
    const built = formToConfig(form)
    expect(built.errors).toEqual([])
    expect(checkSimulationConfig(built.config).ok).toBe(true)
    expect(built.config.workload).toEqual({ kind: 'deadline', computeHours: 6, deadlineHours: 9 })
    expect(built.config.changeoverSeconds).toBe(900)
    expect(built.config.policies).toEqual(['ondemand', 'uniform-progress'])
    expect(built.config.market).toMatchObject({ kind: 'synthetic', zones: ['sandbox-1b'] })
    expect(built.config.instanceTypes[0]).toMatchObject({ name: 'g5.xlarge', onDemandPrice: 1.006 })
  })

  it("prefers the live job's own deadline, and turns an ISO deadline into hours from now", () => {
    const live = { ...job, job: { deadlineHours: 12 } as NonNullable<typeof job.job> }
    expect(seedFromWorkload(live, fleet, NOW)!.job!.deadlineHours).toBe(12)
    const iso = {
      ...job,
      spec: {
        ...(job.spec as object),
        deadlineHours: undefined,
        deadline: new Date(NOW + 10 * 3.6e6).toISOString()
      }
    }
    expect(seedFromWorkload(iso, fleet, NOW)!.job!.deadlineHours).toBeCloseTo(10)
  })

  it('keeps the defaults and says so when no instance of the type runs, and refuses an unreadable spec', () => {
    const seed = seedFromWorkload(job, [], NOW)!
    expect(seed.spec).toBeUndefined()
    const notes = applySeed(configToForm(defaultConfig()), seed)
    expect(notes[0]).toContain('No g5.xlarge runs in the fleet now')
    expect(seedFromWorkload(serviceWorkload('bad', { spec: { kind: 'service' } }), [], NOW)).toBe(
      null
    )
  })
})
