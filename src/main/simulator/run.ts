import type {
  DeadlineJobConfig,
  PolicyName,
  PolicyResult,
  RunMetrics,
  ServicePlacementName,
  SimulationConfig,
  SimulationOutput,
  SimulationTimelineEvent
} from '../../shared/simulation'
import { SIMULATION_SCHEMA_VERSION } from '../../shared/simulation'
import { simulateBatch } from './batch'
import { deadlineInstanceType, simulateDeadline } from './deadline'
import { createSyntheticMarket, createTraceMarket, maxOffsetTicks } from './market'
import type { RunMarket } from './market/types'
import { emptyMetrics, savingsNote, savingsPerWork, summariseRuns } from './metrics'
import { omniscientInput, planMetrics } from './optimal'
import { createPolicy, OmniscientTooLarge, planOmniscient, type OmniscientPlan } from '../policies'
import { createRandom, type Random } from '../../shared/random'
import { loadTrace, type LoadedTrace } from './traces'
import { generateTasks } from './workload'
import { simulateService } from './service'

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
  /**
   * the policies actually simulated: the requested ones plus on-demand as the savings baseline
   * (none for a service, whose placements are workload.placements)
   */
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
  const simulated =
    config.workload.kind === 'service'
      ? []
      : config.policies.includes('ondemand')
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
  const given = config.market.startOffsetsSeconds
  if (given)
    return {
      config,
      trace: loaded,
      offsetsTicks: givenOffsets(given, loaded, maxOffset),
      simulated
    }
  const offsets = createRandom(config.seed).fork(STREAM_OFFSETS)
  // A single run starts at the trace's beginning; several sample seeded random offsets.
  const offsetsTicks = Int32Array.from({ length: config.runs }, () =>
    config.runs === 1 ? 0 : Math.floor(offsets.next() * (maxOffset + 1))
  )
  return { config, trace: loaded, offsetsTicks, simulated }
}

/** Start offsets given in seconds, snapped down to the trace tick; RangeError past the last start that fits. */
function givenOffsets(
  seconds: readonly number[],
  trace: LoadedTrace,
  maxOffset: number
): Int32Array {
  const gap = trace.gapSeconds
  return Int32Array.from(seconds, (s) => {
    const tick = Math.floor(s / gap + 1e-9)
    if (!(s >= 0) || tick > maxOffset)
      throw new RangeError(
        `start offset ${s} s is outside the trace: a run must start between 0 and ${(maxOffset * gap).toFixed(0)} s to fit the simulated window`
      )
    return tick
  })
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
  timelines?: Partial<Record<PolicyName | ServicePlacementName, SimulationTimelineEvent[]>>,
  stats?: { events: number }
): RunMetrics[] {
  const { config } = prepared
  const random = createRandom(config.seed).fork(run + 1)
  const market = marketForRun(prepared, run, random)
  const workload = config.workload
  // service mode: one result per placement, in workload.placements' order, each on the same market
  if (workload.kind === 'service')
    return workload.placements.map((placement) =>
      simulateService({
        config: { ...config, workload },
        market,
        placement,
        uniform: streamOf(random, STREAM_DYNAMICS),
        timeline: timelines ? (timelines[placement] = []) : undefined,
        stats
      })
    )
  const tasks =
    workload.kind === 'batch' ? generateTasks(workload, streamOf(random, STREAM_WORKLOAD)) : null
  const optimal = workload.kind === 'deadline' ? omniscientBound(config, workload, market) : null
  const results = prepared.simulated.map((name) => {
    const uniform = streamOf(random, STREAM_DYNAMICS)
    const timeline = timelines ? (timelines[name] = []) : undefined
    if (name === 'omniscient') return omniscientMetrics(optimal, market, config, timeline)
    const policy = createPolicy(name, {
      fallbackAfterPreemptions: config.fallbackAfterPreemptions,
      timeSlices: config.timeSlices
    })
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
  const baseline = results[prepared.simulated.indexOf('ondemand')]
  const bound = optimal && optimal !== 'too-large' ? optimal.cost : NaN
  for (const r of results) {
    r.savings_pct = savingsPerWork(r, baseline)
    // the bound is of a deadline job; a batch run has none (null, not 0)
    r.optimal_cost = bound
    // a run that missed the deadline did not solve the problem the bound is the optimum of
    r.gap_to_optimal_pct =
      r.deadline_met_pct === 100 && baseline.total_cost > 0
        ? (100 * (r.total_cost - bound)) / baseline.total_cost
        : NaN
  }
  return results
}

/**
 * The omniscient plan of a deadline run on a replayed trace; null when the market cannot be known
 * ahead (synthetic) or the deadline cannot be met even on on-demand, 'too-large' when the search
 * is past its budget.
 */
function omniscientBound(
  config: SimulationConfig,
  workload: DeadlineJobConfig,
  market: RunMarket
): OmniscientPlan | 'too-large' | null {
  const input = omniscientInput(market, deadlineInstanceType(market), {
    computeSeconds: workload.computeHours * 3600,
    deadlineSeconds: workload.deadlineHours * 3600,
    changeoverSeconds: config.changeoverSeconds
  })
  if (!input) return null
  try {
    return planOmniscient(input)
  } catch (error) {
    if (error instanceof OmniscientTooLarge) return 'too-large'
    throw error
  }
}

/** The omniscient policy's figures: its plan's, or NaN (unknown) and a missed deadline without one. */
function omniscientMetrics(
  plan: OmniscientPlan | 'too-large' | null,
  market: RunMarket,
  config: SimulationConfig,
  timeline?: SimulationTimelineEvent[]
): RunMetrics {
  if (plan && plan !== 'too-large')
    return planMetrics(
      plan,
      market,
      deadlineInstanceType(market),
      config.changeoverSeconds,
      timeline
    )
  const metrics = emptyMetrics()
  for (const name of Object.keys(metrics) as (keyof RunMetrics)[]) metrics[name] = NaN
  metrics.total_tasks = 1
  if (plan === null) {
    // nothing can meet this deadline: the plan is to fail, for free
    metrics.completed_tasks = 0
    metrics.unfinished_tasks = 1
    metrics.deadline_met_pct = 0
  }
  return metrics
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
  if (config.workload.kind === 'service') {
    const placements = config.workload.placements
    const output: SimulationOutput = {
      schema: SIMULATION_SCHEMA_VERSION,
      seed: config.seed,
      config,
      results: [],
      services: placements.map((placement, index) => ({
        placement,
        metrics: summariseRuns(perRun.map((run) => run[index]))
      }))
    }
    return withOffsetsAndTimelines(output, prepared, timelines)
  }
  const ondemandRuns = perRun.map((run) => run[prepared.simulated.indexOf('ondemand')])
  const output: SimulationOutput = {
    schema: SIMULATION_SCHEMA_VERSION,
    seed: config.seed,
    config,
    results: config.policies.map((policy) => {
      const index = prepared.simulated.indexOf(policy)
      const runs = perRun.map((run) => run[index])
      const result: PolicyResult = { policy, metrics: summariseRuns(runs) }
      const note = savingsNote(runs, ondemandRuns)
      if (note) result.savings_note = note
      return result
    })
  }
  const notes = outputNotes(config, perRun, prepared.simulated.indexOf('ondemand'))
  if (notes.length > 0) output.notes = notes
  return withOffsetsAndTimelines(output, prepared, timelines)
}

function withOffsetsAndTimelines(
  output: SimulationOutput,
  prepared: PreparedSimulation,
  timelines?: SimulationOutput['timelines']
): SimulationOutput {
  if (prepared.offsetsTicks && prepared.trace) {
    output.traceOffsetsSeconds = Array.from(
      prepared.offsetsTicks,
      (tick) => tick * prepared.trace!.gapSeconds
    )
  }
  if (timelines) output.timelines = timelines
  return output
}

/** Runs of a deadline job on a trace without an omniscient bound, said once with the reason. */
function outputNotes(config: SimulationConfig, perRun: RunMetrics[][], ondemand: number): string[] {
  if (config.workload.kind !== 'deadline' || config.market.kind !== 'trace') return []
  const missing = perRun.filter((run) => !Number.isFinite(run[ondemand].optimal_cost)).length
  if (missing === 0) return []
  const { computeHours, deadlineHours } = config.workload
  const reason =
    computeHours * 3600 + config.changeoverSeconds > deadlineHours * 3600 + 1e-6
      ? 'even on-demand from the start cannot meet the deadline'
      : 'the omniscient search needed more than its memory budget (a long job with much slack on many zones)'
  return [
    `no omniscient bound in ${missing} of ${perRun.length} runs (optimal_cost and gap_to_optimal_pct are null there): ${reason}`
  ]
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
