// Types of the what-if simulator's input and output. Shared by the engine, the CLI, the daemon API
// and the cockpit; this file imports nothing from main or renderer.

export const SIMULATION_SCHEMA_VERSION = 1

export const ALL_POLICIES = [
  'greedy',
  'fallback',
  'ondemand',
  'spot-or-ondemand',
  'uniform-progress',
  'time-sliced',
  'uniform-progress-oracle',
  'omniscient'
] as const
/** policies that only make sense for a deadline job */
export const DEADLINE_ONLY_POLICIES: readonly PolicyName[] = [
  'uniform-progress',
  'time-sliced',
  'uniform-progress-oracle',
  'omniscient'
]
/** policies that read the future of the market, so only a replayed trace can feed them */
export const TRACE_ONLY_POLICIES: readonly PolicyName[] = ['uniform-progress-oracle', 'omniscient']
export type PolicyName = (typeof ALL_POLICIES)[number]

/** time-sliced: slices of the deadline when the config does not say */
export const DEFAULT_TIME_SLICES = 8
/** the most start offsets one simulation replays */
export const MAX_START_OFFSETS = 100_000

/**
 * How a service keeps its replicas in the what-if simulator's service mode (the workload kind
 * 'service'): 'spothedge' is the live controller's plan (SkyServe's SpotHedge, EuroSys '25: spread
 * over zones, away from a zone that just reclaimed, extra spot replicas, on-demand fallback only
 * while spot cannot be had); 'even-spread' and 'round-robin' are spot-only baselines (fewest
 * replicas first, or zones in turn); 'ondemand' runs every replica on demand.
 */
export const SERVICE_PLACEMENTS = ['spothedge', 'even-spread', 'round-robin', 'ondemand'] as const
export type ServicePlacementName = (typeof SERVICE_PLACEMENTS)[number]

export const MIGRATION_STRATEGIES = ['optimal', 'first-fit', 'naive'] as const
export type MigrationStrategy = (typeof MIGRATION_STRATEGIES)[number]

export interface InstanceTypeSpec {
  name: string
  gpus: number
  /** memory of one GPU, GiB; a task fits when its need is at most this */
  gpuMemoryGiB: number
  /** network bandwidth used for checkpoint and state transfer, Gbit/s */
  networkGbps: number
  /** $/h */
  onDemandPrice: number
  /** long-run mean spot price, $/h (synthetic market only) */
  meanSpotPrice: number
}

export type HazardConfig =
  /** every running spot instance is reclaimed at this fixed rate per hour */
  | { kind: 'fixed'; perHour: number }
  /**
   * rate per hour = basePerHour * (price / meanPrice) ^ elasticity: a dearer spot price signals
   * scarcer spare capacity, so reclaims get more likely as the price rises.
   */
  | { kind: 'price-linked'; basePerHour: number; elasticity: number }

export interface SyntheticMarketConfig {
  kind: 'synthetic'
  zones: string[]
  /** price update step, seconds */
  tickSeconds: number
  /** Ornstein-Uhlenbeck reversion speed theta, per hour */
  reversionPerHour: number
  /** OU volatility sigma of the relative price, per sqrt(hour) */
  volatility: number
  /** amplitude of the daily price cycle, as a fraction of the mean */
  dailyAmplitude: number
  /** zones' mean prices spread evenly over mean * (1 +/- spread) */
  zoneSpread: number
  hazard: HazardConfig
  /** after a reclaim the zone has no spot capacity for an exponential time with this mean, seconds */
  outageMeanSeconds: number
}

export interface TraceMarketConfig {
  kind: 'trace'
  /** file or folder; a folder contributes one zone per trace file in it */
  path: string
  /** capacity of a binary (0/1 availability) trace's zone while available */
  binaryCapacity: number
  /**
   * replay exactly these start points, seconds into the trace (one run each, snapped down to the
   * trace tick); without them each run draws a seeded random offset
   */
  startOffsetsSeconds?: number[]
}

export type MarketConfig = SyntheticMarketConfig | TraceMarketConfig

export interface BatchWorkloadConfig {
  kind: 'batch'
  tasks: number
  /** tasks arrive as a Poisson process over this many hours from t = 0 (0: all at once) */
  arrivalWindowHours: number
  /** task compute time is log-normal with this mean and coefficient of variation, hours */
  meanTaskHours: number
  taskHoursCv: number
  /** GPU memory need is drawn uniformly from these values, GiB */
  gpuMemoryChoicesGiB: number[]
  /** checkpointable state size is log-uniform in [min, max], GiB */
  stateGiBMin: number
  stateGiBMax: number
  /** a running task writes a periodic checkpoint after this much progress, seconds (0: never) */
  checkpointIntervalSeconds: number
  /** number of distinct models; a task whose model is already loaded on an instance skips the cold start */
  models: number
  /** load time of a model not yet on the instance, seconds */
  coldStartSeconds: number
}

export interface DeadlineJobConfig {
  kind: 'deadline'
  /** compute time C, hours */
  computeHours: number
  /** deadline R, hours from t = 0 */
  deadlineHours: number
}

/** A model service kept at `replicas` ready replicas, compared over placements (service mode). */
export interface ServiceWorkloadConfig {
  kind: 'service'
  /** ready replicas the service needs: availability is the share of time with at least this many */
  replicas: number
  /** spothedge: extra spot replicas beyond `replicas` (the baselines keep none) */
  overProvision: number
  /** warm spot spares every spot placement keeps (promoted when a serving replica is reclaimed) */
  standby: number
  /** launch to running, seconds */
  bootSeconds: number
  /** running to ready (the model server loads the model and answers), seconds */
  modelLoadSeconds: number
  /** the placements compared, each on the same market */
  placements: ServicePlacementName[]
}

export type WorkloadConfig = BatchWorkloadConfig | DeadlineJobConfig | ServiceWorkloadConfig

export interface CheckpointConfig {
  /** save all progress when transferable >= full * state */
  fullThreshold: number
  /** save that fraction when transferable >= partial * state */
  partialThreshold: number
}

export interface SimulationConfig {
  seed: number
  runs: number
  durationHours: number
  /** batch and deadline workloads; empty for a service, which compares workload.placements */
  policies: PolicyName[]
  migration: MigrationStrategy
  /** spot interruption notice, seconds */
  graceSeconds: number
  /** launch and set-up time of a replacement instance, seconds */
  changeoverSeconds: number
  /** an instance idle this long is released, seconds */
  idleReleaseSeconds: number
  /** fallback policy: on-demand for a task after this many preemptions */
  fallbackAfterPreemptions: number
  /** time-sliced policy: slices of the deadline (default DEFAULT_TIME_SLICES) */
  timeSlices?: number
  checkpoint: CheckpointConfig
  instanceTypes: InstanceTypeSpec[]
  market: MarketConfig
  workload: WorkloadConfig
}

/** Every metric is reported over the runs as a mean with a 95% confidence interval. */
export interface MetricSummary {
  mean: number
  ci95: [number, number]
}

/**
 * The metrics of every policy result (the README's simulator section defines each). Work hours are
 * progress: spot_work_hours + ondemand_work_hours is the work done, beside the billed spot_hours and
 * ondemand_hours. savings_pct compares cost per hour of completed work with on-demand's (null when
 * either completed nothing; PolicyResult.savings_note says when and why). optimal_cost is the
 * omniscient bound of the run and gap_to_optimal_pct = (total_cost - optimal_cost) / the on-demand
 * cost, in %, for deadline jobs on a replayed trace (null elsewhere). availability_pct (share of the
 * window with at least the wanted ready replicas) and cost_pct_of_ondemand (cost over the wanted
 * replicas on demand for the whole window) are a service's (null elsewhere); a service has no tasks,
 * so its task, work and checkpoint figures are null.
 */
export const METRIC_NAMES = [
  'total_cost',
  'ondemand_baseline_cost',
  'savings_pct',
  'spot_hours',
  'ondemand_hours',
  'completed_tasks',
  'total_tasks',
  'unfinished_tasks',
  'unfinished_work_hours',
  'completion_time_mean_hours',
  'completion_time_p50_hours',
  'completion_time_p99_hours',
  'preemptions',
  'notices',
  'work_lost_gpu_hours',
  'checkpoints_full',
  'checkpoints_partial',
  'checkpoints_restart',
  'work_saved_gpu_hours',
  'deadline_met_pct',
  'instances_launched_spot',
  'instances_launched_ondemand',
  'launch_failures',
  'migrations',
  'spot_work_hours',
  'ondemand_work_hours',
  'completed_work_hours',
  'optimal_cost',
  'gap_to_optimal_pct',
  'availability_pct',
  'cost_pct_of_ondemand'
] as const
export type MetricName = (typeof METRIC_NAMES)[number]

/** The raw figures of one policy in one run, before summarising over runs. */
export type RunMetrics = Record<MetricName, number>

export interface PolicyResult {
  policy: PolicyName
  metrics: Record<MetricName, MetricSummary>
  /**
   * Why savings_pct is null in some or all runs, or on what basis it was computed when this policy
   * completed different work from on-demand; absent when every run compared the same work.
   */
  savings_note?: string
}

/** One placement's figures in service mode, summarised like a policy's. */
export interface ServiceResult {
  placement: ServicePlacementName
  metrics: Record<MetricName, MetricSummary>
}

export interface SimulationTimelineEvent {
  /** simulated seconds since the start */
  t: number
  kind:
    | 'launch'
    | 'launch-failed'
    | 'ready'
    | 'notice'
    | 'terminate'
    | 'release'
    | 'task-start'
    | 'task-done'
    | 'checkpoint'
  instance?: string
  task?: number
  zone?: string
  market?: 'spot' | 'ondemand'
  detail?: string
}

export interface SimulationOutput {
  schema: typeof SIMULATION_SCHEMA_VERSION
  seed: number
  config: SimulationConfig
  /** for trace markets: the start offset, seconds into the trace, of each run */
  traceOffsetsSeconds?: number[]
  /** what could not be computed, and why (e.g. runs without an omniscient bound) */
  notes?: string[]
  /** one per policy (batch and deadline workloads; empty for a service) */
  results: PolicyResult[]
  /** service mode: one per placement, in the order asked */
  services?: ServiceResult[]
  /** the first run's events per policy (or service placement), when asked for (the what-if view draws them) */
  timelines?: Partial<Record<PolicyName | ServicePlacementName, SimulationTimelineEvent[]>>
}

export interface SimulationProgress {
  done: number
  total: number
}
