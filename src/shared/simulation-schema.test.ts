import { describe, expect, it } from 'vitest'
import { defaultSimulationConfig } from '../main/simulator/config'
import { checkSimulationConfig, SIMULATION_LIMITS } from './simulation-schema'

function refusal(patch: (c: ReturnType<typeof defaultSimulationConfig>) => void): string {
  const config = defaultSimulationConfig()
  patch(config)
  const check = checkSimulationConfig(config)
  if (check.ok) throw new Error('expected the config to be refused')
  return check.errors.map((e) => `${e.path}: ${e.message}`).join('; ')
}

describe('simulation config: every number has an upper bound', () => {
  it('accepts the defaults and the limits themselves', () => {
    expect(checkSimulationConfig(defaultSimulationConfig()).ok).toBe(true)
    const config = defaultSimulationConfig()
    config.runs = SIMULATION_LIMITS.runs
    config.durationHours = SIMULATION_LIMITS.durationHours
    if (config.workload.kind === 'batch') config.workload.tasks = SIMULATION_LIMITS.tasks
    expect(checkSimulationConfig(config).ok).toBe(true)
  })

  it('refuses work without end: runs, tasks, duration, ticks', () => {
    expect(refusal((c) => (c.runs = 100_000))).toBe('runs: runs must be <= 10000')
    expect(
      refusal((c) => {
        if (c.workload.kind === 'batch') c.workload.tasks = 1_000_000
      })
    ).toBe('workload.tasks: tasks must be <= 100000')
    expect(refusal((c) => (c.durationHours = 1e9))).toBe('durationHours: duration must be <= 8760')
    expect(
      refusal((c) => {
        if (c.market.kind === 'synthetic') c.market.tickSeconds = 1e-6
      })
    ).toBe('market.tickSeconds: tickSeconds must be >= 1')
    expect(
      refusal((c) => {
        c.durationHours = 8000
        if (c.market.kind === 'synthetic') c.market.tickSeconds = 1
      })
    ).toMatch(
      /^market\.tickSeconds: duration \/ tickSeconds is 28800000 market ticks; at most 1000000/
    )
  })

  it('refuses huge or endless rates, prices and lists', () => {
    expect(
      refusal((c) => {
        if (c.market.kind === 'synthetic') c.market.hazard = { kind: 'fixed', perHour: 1e9 }
      })
    ).toMatch(/preemption rate must be <= 100/)
    expect(refusal((c) => (c.instanceTypes[0].onDemandPrice = 1e300))).toMatch(/<= 10000/)
    expect(
      refusal((c) => (c.instanceTypes = Array.from({ length: 33 }, () => c.instanceTypes[0])))
    ).toBe('instanceTypes: at most 32 instance types')
    expect(refusal((c) => (c.policies = ['greedy', 'greedy']))).toBe(
      'policies: a policy is listed twice'
    )
    expect(refusal((c) => (c.graceSeconds = 1e12))).toMatch(/grace must be <= 86400/)
  })
})
