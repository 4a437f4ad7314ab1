// Simulator benchmarks: `npm run bench` (or `npx tsx test/bench/simulation.bench.ts` after a build).
import { cpus } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { SimulationConfig } from '../../src/shared/simulation'
import { defaultSimulationConfig } from '../../src/main/simulator/config'
import { runSimulation } from '../../src/main/simulator/pool'
import { prepareSimulation, simulateOneRun } from '../../src/main/simulator/run'

export interface SimulationBenchRow {
  case: string
  ms: number
  events: number
  eventsPerSecond: number
  target: string
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** The seed's demo: 100 tasks, 48 h, greedy/fallback/ondemand, one run (target < 20 ms). */
function demoCase(): SimulationBenchRow {
  const config = defaultSimulationConfig()
  const prepared = prepareSimulation(config)
  for (let i = 0; i < 20; i++) simulateOneRun(prepared, 0) // warm-up: let the JIT settle
  const times: number[] = []
  let events = 0
  for (let i = 0; i < 50; i++) {
    const stats = { events: 0 }
    const start = performance.now()
    simulateOneRun(prepared, i, undefined, stats)
    times.push(performance.now() - start)
    events = stats.events
  }
  const ms = median(times)
  return {
    case: 'demo: 100 tasks, 48 h, 3 policies, 1 run (median of 50)',
    ms,
    events,
    eventsPerSecond: events / (ms / 1000),
    target: '< 20 ms'
  }
}

/** The sweep: 1,000 seeded runs x 4 policies of 1,000 tasks over 30 days on worker threads (target < 30 s). */
async function sweepCase(runs: number): Promise<SimulationBenchRow> {
  const config: SimulationConfig = defaultSimulationConfig()
  config.runs = runs
  config.durationHours = 720
  config.policies = ['greedy', 'fallback', 'spot-or-ondemand', 'ondemand']
  if (config.workload.kind === 'batch') {
    config.workload.tasks = 1000
    config.workload.arrivalWindowHours = 600
  }
  const stats = { events: 0 }
  const workerScript = join(__dirname, '../../out/main/simulation-worker.js')
  const start = performance.now()
  await runSimulation(config, { workerScript, stats })
  const ms = performance.now() - start
  return {
    case: `sweep: ${runs} runs x 4 policies x 1,000 tasks, 30 days, ${cpus().length} worker threads`,
    ms,
    events: stats.events,
    eventsPerSecond: stats.events / (ms / 1000),
    target: runs === 1000 ? '< 30 s' : ''
  }
}

/**
 * Scaling: one run x 4 policies over 30 days on this thread, tasks arriving over `arrivalHours`
 * (600 h: the load per hour grows with the tasks; 24 h: a burst, thousands waiting at once).
 * Target: 100,000 tasks arriving over 600 h in under 10 s; time per task roughly flat.
 */
function scalingCase(tasks: number, arrivalHours: number): SimulationBenchRow {
  const config: SimulationConfig = defaultSimulationConfig()
  config.durationHours = 720
  config.policies = ['greedy', 'fallback', 'spot-or-ondemand', 'ondemand']
  if (config.workload.kind === 'batch') {
    config.workload.tasks = tasks
    config.workload.arrivalWindowHours = arrivalHours
  }
  const prepared = prepareSimulation(config)
  const stats = { events: 0 }
  const start = performance.now()
  simulateOneRun(prepared, 0, undefined, stats)
  const ms = performance.now() - start
  return {
    case: `scaling: ${tasks.toLocaleString('en-US')} tasks arriving over ${arrivalHours} h, 30 days, 4 policies, 1 run (${((1000 * ms) / tasks).toFixed(1)} µs/task)`,
    ms,
    events: stats.events,
    eventsPerSecond: stats.events / (ms / 1000),
    target: tasks === 100_000 && arrivalHours === 600 ? '< 10 s' : ''
  }
}

export async function runSimulationBench(
  options: { runs?: number } = {}
): Promise<SimulationBenchRow[]> {
  const rows = [demoCase()]
  for (const arrivalHours of [600, 24])
    for (const tasks of [1_000, 10_000, 100_000]) rows.push(scalingCase(tasks, arrivalHours))
  rows.push(await sweepCase(options.runs ?? 1000))
  return rows
}

export function formatSimulationBench(rows: SimulationBenchRow[]): string {
  const lines = [
    '| case | time | events | events/s | target |',
    '| --- | ---: | ---: | ---: | --- |'
  ]
  for (const r of rows) {
    const time = r.ms >= 1000 ? `${(r.ms / 1000).toFixed(2)} s` : `${r.ms.toFixed(2)} ms`
    lines.push(
      `| ${r.case} | ${time} | ${r.events.toLocaleString('en-US')} | ${Math.round(r.eventsPerSecond).toLocaleString('en-US')} | ${r.target} |`
    )
  }
  return lines.join('\n')
}

if (require.main === module) {
  const runs = process.argv[2] ? Number(process.argv[2]) : 1000
  void runSimulationBench({ runs }).then((rows) => {
    console.log(`machine: ${cpus()[0]?.model} x ${cpus().length}, node ${process.version}`)
    console.log(formatSimulationBench(rows))
  })
}
