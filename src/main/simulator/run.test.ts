import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PolicyName, SimulationConfig } from '../../shared/simulation'
import { defaultSimulationConfig } from './config'
import { runSimulation } from './pool'
import { simulationWorkerScript } from '../../../test/support/simulation-worker'
import { prepareSimulation, runSimulationSync, simulateOneRun } from './run'

const TRACES = path.resolve(__dirname, '../../../resources/traces')
const FOUR_NODE = path.join(TRACES, 'aws-v100-4node-preemption-2023-08')

/** A small synthetic batch config: 20 tasks over 12 h, a reclaim every 5 instance-hours on average. */
function small(fields: Partial<SimulationConfig> = {}): SimulationConfig {
  const c = defaultSimulationConfig()
  if (c.workload.kind === 'batch') {
    c.workload.tasks = 20
    c.workload.arrivalWindowHours = 6
  }
  if (c.market.kind === 'synthetic') c.market.hazard = { kind: 'fixed', perHour: 0.2 }
  return { ...c, durationHours: 12, runs: 3, ...fields }
}

function traceConfig(runs: number): SimulationConfig {
  return small({ runs, market: { kind: 'trace', path: FOUR_NODE, binaryCapacity: 1000 } })
}

describe('trace fixtures', () => {
  it('finds the bundled traces with their LICENSE and NOTICE', () => {
    expect(
      existsSync(path.join(TRACES, 'LICENSE')) && existsSync(path.join(TRACES, 'NOTICE'))
    ).toBe(true)
    expect(existsSync(FOUR_NODE)).toBe(true)
  })
})

describe('determinism', () => {
  it('the same seed gives byte-identical output, timelines included', () => {
    const a = JSON.stringify(runSimulationSync(small({ seed: 7 }), { timeline: true }))
    const b = JSON.stringify(runSimulationSync(small({ seed: 7 }), { timeline: true }))
    expect(a).toBe(b)
  })

  it('a different seed gives different results', () => {
    const a = runSimulationSync(small({ seed: 7 }))
    const b = runSimulationSync(small({ seed: 8 }))
    expect(JSON.stringify(a.results)).not.toBe(JSON.stringify(b.results))
  })

  it('puts the schema version, the seed and the config in the output', () => {
    const config = small({ seed: 12345 })
    const out = runSimulationSync(config)
    expect(out.schema).toBe(1)
    expect(out.seed).toBe(12345)
    expect(out.config).toEqual(config)
    expect(out.results.map((r) => r.policy)).toEqual(config.policies)
  })

  it('each run differs from the others (runs are seeded separately)', () => {
    const prepared = prepareSimulation(small())
    const costs = [0, 1, 2].map((run) => simulateOneRun(prepared, run)[0].total_cost)
    expect(new Set(costs).size).toBe(3)
    // and a run is the same whenever it is simulated
    expect(simulateOneRun(prepared, 1)[0].total_cost).toBe(costs[1])
  })

  it('the pool with no workers gives exactly the single-thread output (synthetic)', async () => {
    const config = small({ seed: 3 })
    const pooled = await runSimulation(config, { workers: 0, timeline: true })
    expect(JSON.stringify(pooled)).toBe(
      JSON.stringify(runSimulationSync(config, { timeline: true }))
    )
  })

  it('every run on workers (the first with its timeline) gives the single-thread output, for 1 and 2 workers', async () => {
    const workerScript = await simulationWorkerScript()
    for (const config of [small({ seed: 5, runs: 6 }), traceConfig(5)]) {
      const expected = JSON.stringify(runSimulationSync(config, { timeline: true }))
      for (const workers of [1, 2]) {
        const pooled = await runSimulation(config, {
          workers,
          workerScript,
          offThread: true,
          timeline: true
        })
        expect(pooled.timelines && Object.keys(pooled.timelines).length).toBeGreaterThan(0)
        expect(JSON.stringify(pooled)).toBe(expected)
      }
    }
  })

  it('off the thread, a missing worker script fails instead of simulating here', async () => {
    await expect(
      runSimulation(small({ seed: 1 }), { offThread: true, workerScript: '' })
    ).rejects.toThrow(/worker script is missing/)
  })

  it('the pool with no workers gives exactly the single-thread output (trace, several runs)', async () => {
    const config = traceConfig(4)
    const pooled = await runSimulation(config, { workers: 0 })
    expect(JSON.stringify(pooled)).toBe(JSON.stringify(runSimulationSync(config)))
  })
})

describe('trace runs', () => {
  it('several runs start at seeded offsets inside the trace, reported in seconds', () => {
    const out = runSimulationSync(traceConfig(4))
    const offsets = out.traceOffsetsSeconds!
    expect(offsets).toHaveLength(4)
    // 3664 ticks of 300 s in the shortest zone, 12 h = 144 ticks: offsets within [0, 3520] ticks
    for (const o of offsets) {
      expect(o % 300).toBe(0)
      expect(o).toBeGreaterThanOrEqual(0)
      expect(o).toBeLessThanOrEqual((3664 - 144) * 300)
    }
    expect(new Set(offsets).size).toBeGreaterThan(1)
    expect(runSimulationSync(traceConfig(4)).traceOffsetsSeconds).toEqual(offsets)
  })

  it('a single run starts at the beginning of the trace', () => {
    expect(runSimulationSync(traceConfig(1)).traceOffsetsSeconds).toEqual([0])
  })

  it('takes the instance type from the trace and reclaims through its capacity drops', () => {
    const out = runSimulationSync(traceConfig(4))
    const greedy = out.results.find((r) => r.policy === 'greedy')!.metrics
    expect(greedy.total_tasks.mean).toBe(20)
    expect(greedy.instances_launched_spot.mean).toBeGreaterThan(0)
  })

  it('refuses a horizon longer than the trace', () => {
    expect(() =>
      prepareSimulation(
        small({
          durationHours: 400,
          market: { kind: 'trace', path: FOUR_NODE, binaryCapacity: 1000 }
        })
      )
    ).toThrow(RangeError)
  })
})

describe('savings against the on-demand baseline', () => {
  it('each run reports each policy savings_pct relative to the on-demand run of the same run', () => {
    const prepared = prepareSimulation(small({ policies: ['greedy', 'fallback', 'ondemand'] }))
    for (let run = 0; run < 3; run++) {
      const results = simulateOneRun(prepared, run)
      const base = results[2].total_cost
      expect(base).toBeGreaterThan(0)
      for (const r of results)
        expect(r.savings_pct).toBeCloseTo((100 * (base - r.total_cost)) / base, 9)
      expect(results[2].savings_pct).toBe(0)
      expect(results[0].savings_pct).toBeGreaterThan(0)
    }
  })

  it('the reported means follow from the per-policy costs of a single run', () => {
    const out = runSimulationSync(small({ runs: 1 }))
    const cost = (p: PolicyName) => out.results.find((r) => r.policy === p)!.metrics.total_cost.mean
    const saving = (p: PolicyName) =>
      out.results.find((r) => r.policy === p)!.metrics.savings_pct.mean
    for (const p of ['greedy', 'fallback'] as const) {
      expect(saving(p)).toBeCloseTo((100 * (cost('ondemand') - cost(p))) / cost('ondemand'), 3)
    }
    expect(saving('ondemand')).toBe(0)
  })

  it('simulates on-demand as the baseline when it was not asked for, without reporting it', () => {
    const only = small({ policies: ['greedy'] })
    expect(prepareSimulation(only).simulated).toEqual(['greedy', 'ondemand'])
    const out = runSimulationSync(only)
    expect(out.results.map((r) => r.policy)).toEqual(['greedy'])
    expect(out.results[0].metrics.savings_pct.mean).toBeGreaterThan(0)
    // the same figures as when on-demand is requested too
    const both = runSimulationSync(small({ policies: ['greedy', 'ondemand'] }))
    expect(out.results[0].metrics).toEqual(both.results[0].metrics)
  })

  it('every policy sees the same tasks; on-demand completes all of them', () => {
    const out = runSimulationSync(small())
    for (const r of out.results) expect(r.metrics.total_tasks.mean).toBe(20)
    const od = out.results.find((r) => r.policy === 'ondemand')!.metrics
    expect(od.completed_tasks.mean).toBe(20)
    expect(od.spot_hours.mean).toBe(0)
  })

  it('a deadline job runs under greedy, uniform-progress and on-demand with on-demand saving nothing', () => {
    const config = defaultSimulationConfig()
    const out = runSimulationSync({
      ...config,
      runs: 2,
      durationHours: 8,
      changeoverSeconds: 360,
      policies: ['greedy', 'uniform-progress', 'ondemand'],
      workload: { kind: 'deadline', computeHours: 4, deadlineHours: 8 }
    })
    const m = (p: PolicyName) => out.results.find((r) => r.policy === p)!.metrics
    expect(m('ondemand').savings_pct.mean).toBe(0)
    expect(m('ondemand').deadline_met_pct.mean).toBe(100)
    for (const p of ['greedy', 'uniform-progress'] as const) {
      expect(m(p).deadline_met_pct.mean).toBe(100)
      expect(m(p).savings_pct.mean).toBeGreaterThan(0)
    }
  })
})

describe('timelines', () => {
  it('keeps the first run events per simulated policy when asked, and none otherwise', () => {
    const out = runSimulationSync(small({ policies: ['greedy'] }), { timeline: true })
    expect(Object.keys(out.timelines!).sort()).toEqual(['greedy', 'ondemand'])
    const kinds = new Set(out.timelines!.greedy!.map((e) => e.kind))
    expect(kinds.has('launch')).toBe(true)
    expect(kinds.has('task-done')).toBe(true)
    expect(runSimulationSync(small()).timelines).toBeUndefined()
  })
})
