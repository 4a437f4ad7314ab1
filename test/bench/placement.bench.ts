/**
 * Placement of displaced tasks (issue 10, item 5): optimal (marginal cost) vs first-fit vs naive on
 * the same seeded runs, so every difference is paired (run r sees the same market and tasks under
 * each strategy). Prints the markdown table of BENCHMARKS.md.
 *
 *   npx tsx test/bench/placement.bench.ts [runs]      (default 200; `npm run bench -- placement`)
 */
import { pathToFileURL } from 'node:url'
import type { MigrationStrategy, RunMetrics, SimulationConfig } from '../../src/shared/simulation'
import { checkSimulationConfig } from '../../src/shared/simulation-schema'
import { findSimulatorInstanceType } from '../../src/main/simulator/catalog'
import { defaultSimulationConfig } from '../../src/main/simulator/config'
import { tQuantile95 } from '../../src/main/simulator/metrics'
import { prepareSimulation, simulateOneRun } from '../../src/main/simulator/run'

export interface Setup {
  name: string
  /** the `synkti simulate` flags that give the same config (besides --migration, --runs, --policies) */
  flags: string
  types: string[]
  reclaimPerHour: number
  models: number
  coldStartSeconds: number
  gpuMemoryGiB: number[]
}

export const SETUPS: Setup[] = [
  {
    name: '1-GPU p3.2xlarge (the default), 4 models, 0.05/h',
    flags: '',
    types: ['p3.2xlarge'],
    reclaimPerHour: 0.05,
    models: 4,
    coldStartSeconds: 120,
    gpuMemoryGiB: [8, 12, 16]
  },
  {
    name: '4-GPU p3.8xlarge only, 4 models, 0.3/h (the audit case)',
    flags: '--instance-types p3.8xlarge --preemption-rate 0.3',
    types: ['p3.8xlarge'],
    reclaimPerHour: 0.3,
    models: 4,
    coldStartSeconds: 120,
    gpuMemoryGiB: [8, 12, 16]
  },
  {
    name: 'g5.xlarge + g5.12xlarge + p3.8xlarge, 4 models, 8/16/24 GiB, 0.05/h',
    flags: '--instance-types g5.xlarge,g5.12xlarge,p3.8xlarge --gpu-memory 8,16,24',
    types: ['g5.xlarge', 'g5.12xlarge', 'p3.8xlarge'],
    reclaimPerHour: 0.05,
    models: 4,
    coldStartSeconds: 120,
    gpuMemoryGiB: [8, 16, 24]
  },
  {
    name: 'g5.xlarge + g5.12xlarge + p3.8xlarge, 4 models, 8/16/24 GiB, 0.3/h',
    flags:
      '--instance-types g5.xlarge,g5.12xlarge,p3.8xlarge --gpu-memory 8,16,24 --preemption-rate 0.3',
    types: ['g5.xlarge', 'g5.12xlarge', 'p3.8xlarge'],
    reclaimPerHour: 0.3,
    models: 4,
    coldStartSeconds: 120,
    gpuMemoryGiB: [8, 16, 24]
  },
  {
    name: 'p3.2xlarge + p3.8xlarge + g5.12xlarge (4-GPU cheapest a GPU), 4 models, 0.3/h',
    flags: '--instance-types p3.2xlarge,p3.8xlarge,g5.12xlarge --preemption-rate 0.3',
    types: ['p3.2xlarge', 'p3.8xlarge', 'g5.12xlarge'],
    reclaimPerHour: 0.3,
    models: 4,
    coldStartSeconds: 120,
    gpuMemoryGiB: [8, 12, 16]
  },
  {
    name: 'p3.2xlarge + p3.8xlarge + g5.12xlarge, 16 models, 600 s cold start, 0.3/h',
    flags:
      '--instance-types p3.2xlarge,p3.8xlarge,g5.12xlarge --models 16 --cold-start 600 --preemption-rate 0.3',
    types: ['p3.2xlarge', 'p3.8xlarge', 'g5.12xlarge'],
    reclaimPerHour: 0.3,
    models: 16,
    coldStartSeconds: 600,
    gpuMemoryGiB: [8, 12, 16]
  }
]

const STRATEGIES: MigrationStrategy[] = ['optimal', 'first-fit', 'naive']

export function setupConfig(
  setup: Setup,
  migration: MigrationStrategy,
  runs: number
): SimulationConfig {
  const config = defaultSimulationConfig()
  config.runs = runs
  config.migration = migration
  config.policies = ['greedy']
  config.instanceTypes = setup.types.map((name) => ({ ...findSimulatorInstanceType(name)! }))
  if (config.market.kind === 'synthetic')
    config.market.hazard = { kind: 'fixed', perHour: setup.reclaimPerHour }
  if (config.workload.kind === 'batch') {
    config.workload.models = setup.models
    config.workload.coldStartSeconds = setup.coldStartSeconds
    config.workload.gpuMemoryChoicesGiB = [...setup.gpuMemoryGiB]
  }
  const check = checkSimulationConfig(config)
  if (!check.ok) throw new Error(`${setup.name}: ${check.errors[0].message}`)
  return check.config
}

/** Greedy's metrics in each run under one strategy. */
function greedyRuns(config: SimulationConfig): RunMetrics[] {
  const prepared = prepareSimulation(config)
  const at = prepared.simulated.indexOf('greedy')
  return Array.from({ length: config.runs }, (_, run) => simulateOneRun(prepared, run)[at])
}

export interface Paired {
  mean: number
  low: number
  high: number
  /** runs where the first is dearer by more than a cent / cheaper by more than a cent */
  dearer: number
  cheaper: number
}

/** Mean of a − b over the runs with a Student-t 95% interval, and how often each side is dearer. */
export function paired(a: readonly number[], b: readonly number[]): Paired {
  const n = a.length
  const d = a.map((x, i) => x - b[i])
  const mean = d.reduce((s, x) => s + x, 0) / n
  const variance = n > 1 ? d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0
  const half = n > 1 ? tQuantile95(n - 1) * Math.sqrt(variance / n) : 0
  return {
    mean,
    low: mean - half,
    high: mean + half,
    dearer: d.filter((x) => x > 0.01).length,
    cheaper: d.filter((x) => x < -0.01).length
  }
}

const money = (x: number): string => (x < 0 ? '−' : '') + Math.abs(x).toFixed(2)
const interval = (p: Paired): string => `${money(p.mean)} [${money(p.low)}, ${money(p.high)}]`
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length

export function runBench(runs: number): string {
  const lines = [
    `Greedy policy, 100 tasks over 48 h, synthetic market, seed 1, ${runs} paired runs per row; $ per run.`,
    '',
    '| setup | optimal $ | first-fit $ | naive $ | optimal − first-fit $ [95% CI] | dearer / cheaper (of ' +
      runs +
      ') | optimal − naive $ [95% CI] | dearer / cheaper | tasks done opt / ff / naive |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const setup of SETUPS) {
    const by = Object.fromEntries(
      STRATEGIES.map((s) => [s, greedyRuns(setupConfig(setup, s, runs))])
    ) as Record<MigrationStrategy, RunMetrics[]>
    const cost = (s: MigrationStrategy): number[] => by[s].map((m) => m.total_cost)
    const done = (s: MigrationStrategy): string =>
      mean(by[s].map((m) => m.completed_tasks)).toFixed(2)
    const vsFirstFit = paired(cost('optimal'), cost('first-fit'))
    const vsNaive = paired(cost('optimal'), cost('naive'))
    lines.push(
      `| ${setup.name} | ${mean(cost('optimal')).toFixed(2)} | ${mean(cost('first-fit')).toFixed(2)} | ${mean(cost('naive')).toFixed(2)} | ${interval(vsFirstFit)} | ${vsFirstFit.dearer} / ${vsFirstFit.cheaper} | ${interval(vsNaive)} | ${vsNaive.dearer} / ${vsNaive.cheaper} | ${done('optimal')} / ${done('first-fit')} / ${done('naive')} |`
    )
  }
  lines.push(
    '',
    'Each row with the CLI: `npx synkti simulate --runs ' +
      runs +
      ' --policies greedy --migration optimal|first-fit|naive <flags>`, flags:'
  )
  for (const setup of SETUPS) lines.push(`- ${setup.name}: \`${setup.flags || '(none)'}\``)
  return lines.join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Number(process.argv[2] ?? 200)
  if (!Number.isInteger(runs) || runs < 2)
    throw new Error(`runs must be a whole number >= 2, got ${process.argv[2]}`)
  const started = Date.now()
  console.log(runBench(runs))
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`)
}
