import type {
  PolicyName,
  RunMetrics,
  SimulationConfig,
  SimulationOutput,
  SimulationTimelineEvent
} from '../../shared/simulation'
import { SIMULATION_SCHEMA_VERSION } from '../../shared/simulation'
import { simulateBatch } from './batch'
import { simulateDeadline } from './deadline'
import { createSyntheticMarket, createTraceMarket, maxOffsetTicks } from './market'
import type { RunMarket } from './market/types'
import { summariseRuns } from './metrics'
import { createPolicy } from '../policies'
import { createRandom, type Random } from '../../shared/random'
import { loadTrace, type LoadedTrace } from './traces'
import { generateTasks } from './workload'

// Stream labels: each kind of randomness has its own stream, so adding draws to one (say, a new
// workload field) never shifts another (the market), and every policy sees the same market and tasks.
const STREAM_MARKET = 1
const STREAM_WORKLOAD = 2
const STREAM_DYNAMICS = 3
const STREAM_OFFSETS = 4

export interface PreparedSimulation {
  config: SimulationConfig
  trace?: LoadedTrace
  /** per run: start tick inside the trace (trace markets only) */
  offsetsTicks?: Int32Array
  /** the policies actually simulated: the requested ones plus on-demand as the savings baseline */
  simulated: PolicyName[]
}

export function horizonSeconds(config: SimulationConfig): number {
  const hours =
    config.workload.kind === 'deadline'
      ? Math.max(config.durationHours, config.workload.deadlineHours)
      : config.durationHours
  return hours * 3600
}

/** Loads the trace (if any) and draws the runs' start offsets; cheap, and done once per process. */
export function prepareSimulation(
  config: SimulationConfig,
  trace?: LoadedTrace
): PreparedSimulation {
  const simulated = config.policies.includes('ondemand')
    ? [...config.policies]
    : [...config.policies, 'ondemand' as const]
  if (config.market.kind !== 'trace') return { config, simulated }
  const loaded = trace ?? loadTrace(config.market.path)
  const maxOffset = maxOffsetTicks(loaded, horizonSeconds(config))
  if (maxOffset < 0) {
    const traceHours = (loaded.ticks * loaded.gapSeconds) / 3600
    throw new RangeError(
      `the trace covers ${traceHours.toFixed(1)} h, shorter than the simulated ${horizonSeconds(config) / 3600} h: lower --duration`
    )
  }
  const offsets = createRandom(config.seed).fork(STREAM_OFFSETS)
  // A single run starts at the trace's beginning; several sample seeded random offsets.
  const offsetsTicks = Int32Array.from({ length: config.runs }, () =>
    config.runs === 1 ? 0 : Math.floor(offsets.next() * (maxOffset + 1))
  )
  return { config, trace: loaded, offsetsTicks, simulated }
}

function marketForRun(prepared: PreparedSimulation, run: number, random: Random): RunMarket {
  const { config } = prepared
  const horizon = horizonSeconds(config)
  if (config.market.kind === 'synthetic') {
    const stream = random.fork(STREAM_MARKET)
    return createSyntheticMarket(config.market, config.instanceTypes, horizon, () => stream.next())
  }
  return createTraceMarket(
    prepared.trace!,
    config.instanceTypes,
    prepared.offsetsTicks![run],
    horizon,
    {
      binaryCapacity: config.market.binaryCapacity
    }
  )
}

/**
 * One run: the same market and workload for every policy. Returns the raw metrics in the order of
 * `prepared.simulated`, with savings filled in against the on-demand run.
 */
export function simulateOneRun(
  prepared: PreparedSimulation,
  run: number,
  timelines?: Partial<Record<PolicyName, SimulationTimelineEvent[]>>,
  stats?: { events: number }
): RunMetrics[] {
  const { config } = prepared
  const random = createRandom(config.seed).fork(run + 1)
  const market = marketForRun(prepared, run, random)
  const workload = config.workload
  const tasks =
    workload.kind === 'batch' ? generateTasks(workload, streamOf(random, STREAM_WORKLOAD)) : null
  const results = prepared.simulated.map((name) => {
    const policy = createPolicy(name, { fallbackAfterPreemptions: config.fallbackAfterPreemptions })
    const uniform = streamOf(random, STREAM_DYNAMICS)
    const timeline = timelines ? (timelines[name] = []) : undefined
    if (workload.kind === 'batch') {
      return simulateBatch({
        config: { ...config, workload },
        market,
        tasks: tasks!,
        policy,
        uniform,
        timeline,
        stats
      })
    }
    return simulateDeadline({
      config: { ...config, workload },
      market,
      policy,
      uniform,
      timeline,
      stats
    })
  })
  const baseline = results[prepared.simulated.indexOf('ondemand')].total_cost
  for (const r of results)
    r.savings_pct = baseline > 0 ? (100 * (baseline - r.total_cost)) / baseline : 0
  return results
}

function streamOf(random: Random, label: number): () => number {
  const stream = random.fork(label)
  return () => stream.next()
}

/** Folds per-run metrics (indexed by run, so completion order never matters) into the JSON output. */
export function assembleOutput(
  prepared: PreparedSimulation,
  perRun: RunMetrics[][],
  timelines?: SimulationOutput['timelines']
): SimulationOutput {
  const { config } = prepared
  const output: SimulationOutput = {
    schema: SIMULATION_SCHEMA_VERSION,
    seed: config.seed,
    config,
    results: config.policies.map((policy) => {
      const index = prepared.simulated.indexOf(policy)
      return { policy, metrics: summariseRuns(perRun.map((run) => run[index])) }
    })
  }
  if (prepared.offsetsTicks && prepared.trace) {
    output.traceOffsetsSeconds = Array.from(
      prepared.offsetsTicks,
      (tick) => tick * prepared.trace!.gapSeconds
    )
  }
  if (timelines) output.timelines = timelines
  return output
}

export interface SimulationRunOptions {
  /** called after each run with (runs done, total) */
  onProgress?: (done: number, total: number) => void
  signal?: AbortSignal
  /** keep the first run's event timeline per policy */
  timeline?: boolean
}

/** The whole simulation in this thread. The CLI and the daemon use runSimulation in ./pool for many runs. */
export function runSimulationSync(
  config: SimulationConfig,
  options: SimulationRunOptions = {}
): SimulationOutput {
  const prepared = prepareSimulation(config)
  const perRun: RunMetrics[][] = []
  let timelines: SimulationOutput['timelines']
  for (let run = 0; run < config.runs; run++) {
    options.signal?.throwIfAborted()
    const keep = options.timeline && run === 0 ? {} : undefined
    perRun.push(simulateOneRun(prepared, run, keep))
    if (keep) timelines = keep
    options.onProgress?.(run + 1, config.runs)
  }
  return assembleOutput(prepared, perRun, timelines)
}
