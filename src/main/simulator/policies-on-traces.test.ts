// The deadline policies on the bundled traces, the omniscient bound and the gap to it, replayed
// start points, progress-hours, and savings that cannot mislead.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  DEADLINE_ONLY_POLICIES,
  type PolicyName,
  type SimulationConfig
} from '../../shared/simulation'
import { checkSimulationConfig } from '../../shared/simulation-schema'
import { simulateBatch } from './batch'
import { defaultSimulationConfig } from './config'
import { prepareSimulation, runSimulationSync, simulateOneRun } from './run'
import { createPolicy } from '../policies'
import {
  batchConfig,
  createTestMarket,
  HOUR,
  noRandom,
  taskSet
} from '../../../test/support/scripted-market'

const TRACES = path.resolve(__dirname, '../../../resources/traces')
const ONE_NODE = path.join(TRACES, 'aws-v100-1node-2023-02')
const ONE_ZONE = path.join(ONE_NODE, 'us-east-1c_v100_1.csv')
const SIXTEEN_NODE = path.join(TRACES, 'aws-v100-16node-2023-08')
const FOUR_NODE = path.join(TRACES, 'aws-v100-4node-preemption-2023-08')

const DEADLINE_POLICIES: PolicyName[] = [
  'greedy',
  'fallback',
  'spot-or-ondemand',
  'uniform-progress',
  'time-sliced',
  'uniform-progress-oracle',
  'omniscient',
  'ondemand'
]

function deadlineOnTrace(
  trace: string,
  job: [number, number],
  changeoverHours: number,
  fields: Partial<SimulationConfig> = {}
): SimulationConfig {
  const c = defaultSimulationConfig()
  return {
    ...c,
    runs: 6,
    durationHours: job[1],
    changeoverSeconds: changeoverHours * 3600,
    policies: DEADLINE_POLICIES,
    market: { kind: 'trace', path: trace, binaryCapacity: 1000 },
    workload: { kind: 'deadline', computeHours: job[0], deadlineHours: job[1] },
    ...fields
  }
}

describe('the omniscient bound and the gap to it', () => {
  const settings: Array<[string, [number, number], number]> = [
    [ONE_ZONE, [12, 18], 0.2],
    [ONE_ZONE, [8, 20], 0],
    [ONE_NODE, [10, 14], 0.1],
    [SIXTEEN_NODE, [12, 18], 0.2],
    [FOUR_NODE, [6, 12], 0.05]
  ]

  it('no policy costs less than the bound in any run: every gap is >= 0, the omniscient one 0', () => {
    for (const [trace, job, d] of settings) {
      const prepared = prepareSimulation(deadlineOnTrace(trace, job, d))
      for (let run = 0; run < prepared.config.runs; run++) {
        const results = simulateOneRun(prepared, run)
        const bound = results[0].optimal_cost
        expect(bound, `${trace} run ${run}`).toBeGreaterThan(0)
        results.forEach((r, i) => {
          const label = `${prepared.simulated[i]} on ${path.basename(trace)} ${job} d=${d} run ${run}`
          expect(r.optimal_cost, label).toBe(bound)
          expect(r.deadline_met_pct, label).toBe(100)
          expect(r.total_cost, label).toBeGreaterThanOrEqual(bound - 1e-9)
          expect(r.gap_to_optimal_pct, label).toBeGreaterThanOrEqual(-1e-9)
        })
        const omniscient = results[prepared.simulated.indexOf('omniscient')]
        expect(omniscient.total_cost).toBe(bound)
        expect(omniscient.gap_to_optimal_pct).toBe(0)
        // its progress sums to the job
        expect(omniscient.spot_work_hours + omniscient.ondemand_work_hours).toBeCloseTo(job[0], 6)
      }
    }
  })

  it('reports the gap in % of the on-demand cost of the same run', () => {
    const prepared = prepareSimulation(deadlineOnTrace(ONE_ZONE, [12, 18], 0.2))
    const results = simulateOneRun(prepared, 2)
    const od = results[prepared.simulated.indexOf('ondemand')].total_cost
    for (const r of results)
      expect(r.gap_to_optimal_pct).toBeCloseTo((100 * (r.total_cost - r.optimal_cost)) / od, 9)
  })

  it('ranks as the paper does on a one-zone trace: omniscient <= oracle <= uniform progress < on-demand', () => {
    const out = runSimulationSync(deadlineOnTrace(ONE_ZONE, [12, 18], 0.2, { runs: 12 }))
    const cost = (p: PolicyName) => out.results.find((r) => r.policy === p)!.metrics.total_cost.mean
    expect(cost('omniscient')).toBeLessThanOrEqual(cost('uniform-progress-oracle'))
    expect(cost('uniform-progress-oracle')).toBeLessThanOrEqual(cost('uniform-progress') + 1e-9)
    expect(cost('uniform-progress')).toBeLessThan(cost('ondemand'))
  })

  it('is null on the synthetic market, where nothing is known ahead', () => {
    const c = defaultSimulationConfig()
    const out = runSimulationSync({
      ...c,
      runs: 2,
      durationHours: 8,
      policies: ['greedy', 'uniform-progress', 'time-sliced', 'ondemand'],
      workload: { kind: 'deadline', computeHours: 4, deadlineHours: 8 }
    })
    for (const r of out.results) {
      expect(r.metrics.optimal_cost.mean).toBeNaN()
      expect(r.metrics.gap_to_optimal_pct.mean).toBeNaN()
    }
    expect(out.notes).toBeUndefined()
  })

  it('notes the runs without a bound when the deadline cannot be met even on on-demand', () => {
    // C = R: the first changeover alone misses it
    const out = runSimulationSync(deadlineOnTrace(ONE_ZONE, [6, 6], 0.1, { runs: 2 }))
    expect(out.notes).toEqual([
      'no omniscient bound in 2 of 2 runs (optimal_cost and gap_to_optimal_pct are null there): even on-demand from the start cannot meet the deadline'
    ])
    const omniscient = out.results.find((r) => r.policy === 'omniscient')!.metrics
    expect(omniscient.deadline_met_pct.mean).toBe(0)
  })
})

describe('validation of the new policies', () => {
  const errors = (config: SimulationConfig): string[] => {
    const check = checkSimulationConfig(config)
    return check.ok ? [] : check.errors.map((e) => e.message)
  }

  it('refuses the oracle and the omniscient policy on the synthetic market, naming --trace', () => {
    const c = defaultSimulationConfig()
    const config: SimulationConfig = {
      ...c,
      policies: ['uniform-progress-oracle', 'omniscient', 'time-sliced'],
      workload: { kind: 'deadline', computeHours: 4, deadlineHours: 8 }
    }
    expect(errors(config)).toEqual([
      'uniform-progress-oracle reads the future of the market, which only a replayed trace gives: add --trace',
      'omniscient reads the future of the market, which only a replayed trace gives: add --trace'
    ])
    expect(errors(deadlineOnTrace(ONE_ZONE, [4, 8], 0.1, { runs: 1 }))).toEqual([])
  })

  it('refuses every deadline-only policy on a batch workload', () => {
    for (const policy of DEADLINE_ONLY_POLICIES)
      expect(errors({ ...defaultSimulationConfig(), policies: [policy] })).toEqual([
        `${policy} needs a deadline job (--job and --deadline)`
      ])
  })

  it('wants as many runs as start offsets, and bounded slices', () => {
    const config = deadlineOnTrace(ONE_ZONE, [4, 8], 0.1, { runs: 3 })
    if (config.market.kind === 'trace') config.market.startOffsetsSeconds = [0, 3600]
    expect(errors(config)).toEqual(['runs (3) must equal the number of start offsets (2)'])
    expect(errors({ ...deadlineOnTrace(ONE_ZONE, [4, 8], 0.1), timeSlices: 0 })).toEqual([
      'time slices must be >= 1'
    ])
  })
})

describe('replaying exact start points', () => {
  it('replays given offsets (snapped down to the trace tick) and records them', () => {
    const config = deadlineOnTrace(FOUR_NODE, [4, 8], 0.1, {
      runs: 3,
      policies: ['greedy', 'ondemand']
    })
    if (config.market.kind === 'trace') config.market.startOffsetsSeconds = [0, 3600, 3899]
    expect(runSimulationSync(config).traceOffsetsSeconds).toEqual([0, 3600, 3600])
  })

  it('reproduces a drawn run exactly when its offset is given back', () => {
    const drawn = deadlineOnTrace(ONE_ZONE, [8, 12], 0.1, { runs: 5, seed: 4 })
    const out = runSimulationSync(drawn)
    const offsets = out.traceOffsetsSeconds!
    const replay = structuredClone(drawn)
    if (replay.market.kind === 'trace') replay.market.startOffsetsSeconds = [offsets[3]]
    replay.runs = 1
    const again = simulateOneRun(prepareSimulation(replay), 0)
    const original = simulateOneRun(prepareSimulation(drawn), 3)
    // the trace market is the same; only the per-run random streams (unused on traces) differ
    expect(again.map((r) => r.total_cost)).toEqual(original.map((r) => r.total_cost))
  })

  it('refuses an offset past the last start that fits the window', () => {
    const config = deadlineOnTrace(FOUR_NODE, [4, 8], 0.1, { runs: 1 })
    if (config.market.kind === 'trace') config.market.startOffsetsSeconds = [1e9]
    expect(() => prepareSimulation(config)).toThrow(
      /start offset 1000000000 s is outside the trace: a run must start between 0 and \d+ s/
    )
  })
})

describe('progress-hours and savings in batch runs', () => {
  it('books work on the market it was done on: spot plus on-demand is the work kept', () => {
    // task 0 on spot reclaimed at 1800 (1500 s done, state saved in the notice), then finished
    // elsewhere; task 1 untouched. Fallback after 1 preemption puts task 0 on on-demand.
    const metrics = simulateBatch({
      config: batchConfig({ fallbackAfterPreemptions: 1 }),
      market: createTestMarket({ reclaims: [1800] }),
      tasks: taskSet([
        { work: HOUR, stateGiB: 10 },
        { work: HOUR, stateGiB: 10 }
      ]),
      policy: createPolicy('fallback', { fallbackAfterPreemptions: 1 }),
      uniform: noRandom()
    })
    expect(metrics.completed_tasks).toBe(2)
    expect(metrics.spot_work_hours).toBeCloseTo((1500 + 3600) / 3600, 9)
    expect(metrics.ondemand_work_hours).toBeCloseTo(2100 / 3600, 9)
    expect(metrics.completed_work_hours).toBe(2)
  })

  it('at a reclaim rate of 30/h greedy does not report large savings', () => {
    const c = defaultSimulationConfig()
    const config: SimulationConfig = {
      ...c,
      runs: 3,
      durationHours: 24,
      policies: ['greedy', 'ondemand'],
      market:
        c.market.kind === 'synthetic'
          ? { ...c.market, hazard: { kind: 'fixed', perHour: 30 } }
          : c.market
    }
    const out = runSimulationSync(config)
    const greedy = out.results.find((r) => r.policy === 'greedy')!
    const mean = greedy.metrics.savings_pct.mean
    // per hour of completed work greedy is far dearer, or completed nothing at all (null)
    expect(mean === null || Number.isNaN(mean) || mean < 0).toBe(true)
    expect(greedy.savings_note).toMatch(/completed/)
    expect(greedy.metrics.unfinished_work_hours.mean).toBeGreaterThan(0)
  })

  it('gives the plain cost saving when the work is the same, with no note', () => {
    const out = runSimulationSync(deadlineOnTrace(ONE_ZONE, [4, 8], 0.1, { runs: 2 }))
    for (const r of out.results) expect(r.savings_note).toBeUndefined()
  })
})
