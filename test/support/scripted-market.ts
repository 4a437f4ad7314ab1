// A hand-made RunMarket for tests that need exact control over prices, capacity and reclaims, plus
// small builders for configs and task sets. Nothing here is random: every reclaim and outage is
// scripted, so a test can compute its expected numbers by hand.
import type {
  BatchWorkloadConfig,
  DeadlineJobConfig,
  InstanceTypeSpec,
  SimulationConfig
} from '../../src/shared/simulation'
import { defaultSimulationConfig } from '../../src/main/simulator/config'
import type { RunMarket } from '../../src/main/simulator/market/types'
import type { TaskSet } from '../../src/main/simulator/workload'

export const HOUR = 3600

/** Network speed that moves exactly 1 GiB of payload per second (gbpsToGiBps(x) === 1). */
export const ONE_GIB_PER_SECOND_GBPS = (8 * 2 ** 30) / 1e9

/** One GPU of 16 GiB, 1 GiB/s, $3/h on demand, $1/h mean spot. */
export const TEST_TYPE: InstanceTypeSpec = {
  name: 'test.1gpu',
  gpus: 1,
  gpuMemoryGiB: 16,
  networkGbps: ONE_GIB_PER_SECOND_GBPS,
  onDemandPrice: 3,
  meanSpotPrice: 1
}

/** Four GPUs sharing one 1 GiB/s link, $12/h on demand. */
export const TEST_TYPE_4GPU: InstanceTypeSpec = {
  name: 'test.4gpu',
  gpus: 4,
  gpuMemoryGiB: 16,
  networkGbps: ONE_GIB_PER_SECOND_GBPS,
  onDemandPrice: 12,
  meanSpotPrice: 4
}

/** A reclaim time: absolute seconds, or `after` seconds from the launch. */
export type ScriptedReclaim = number | { after: number }

export interface TestMarketOptions {
  /** default ['a'] */
  zones?: string[]
  /** kept in the given order (real markets sort by name); default [TEST_TYPE] */
  instanceTypes?: InstanceTypeSpec[]
  /** default 24 h */
  horizonSeconds?: number
  /**
   * Constant spot price, $/h: one per zone (every type), or [type][zone]. Default: each type's
   * meanSpotPrice in every zone.
   */
  prices?: number[] | number[][]
  /** from `at` seconds on, these prices (same shape as `prices`) */
  priceChange?: { at: number; prices: number[] | number[][] }
  /** per zone: [time, capacity] steps; capacity before the first step is Infinity unless a step at 0 says otherwise */
  capacity?: Array<Array<[number, number]>>
  /** reclaim time of the n-th spot launch (any zone), in launch order; Infinity past the end of the list */
  reclaims?: ScriptedReclaim[]
  /** outage after the n-th reclaim notice (drawOutageSeconds call), in order; 0 past the end of the list */
  outages?: number[]
  /** mark the market as a replayed trace with this tick (what the oracle and omniscient need) */
  replayTickSeconds?: number
}

export interface TestMarket extends RunMarket {
  /** every drawReclaimTime call: the spot launches in order */
  readonly launches: Array<{
    typeIndex: number
    zoneIndex: number
    from: number
    reclaimAt: number
  }>
  /** every drawOutageSeconds call, in order */
  readonly outageDraws: Array<{ zoneIndex: number; seconds: number }>
}

export function createTestMarket(options: TestMarketOptions = {}): TestMarket {
  const zones = options.zones ?? ['a']
  const instanceTypes = options.instanceTypes ?? [TEST_TYPE]
  const horizonSeconds = options.horizonSeconds ?? 24 * HOUR
  const table = (p: number[] | number[][] | undefined): number[][] =>
    instanceTypes.map((type, ti) =>
      zones.map((_, zi) => {
        if (p === undefined) return type.meanSpotPrice
        const row = p[0]
        return Array.isArray(row) ? (p as number[][])[ti][zi] : (p as number[])[zi]
      })
    )
  const before = table(options.prices)
  const change = options.priceChange
  const after = change ? table(change.prices) : before
  const changeAt = change ? change.at : Infinity

  const steps = zones.map((_, zi) => {
    const list = [...(options.capacity?.[zi] ?? [])].sort((a, b) => a[0] - b[0])
    const times = [0]
    const capacity = [Infinity]
    for (const [t, c] of list) {
      if (t <= 0) capacity[0] = c
      else {
        times.push(t)
        capacity.push(c)
      }
    }
    return { times: Float64Array.from(times), capacity: Float64Array.from(capacity) }
  })

  const reclaims = options.reclaims ?? []
  const outages = options.outages ?? []
  const launches: TestMarket['launches'] = []
  const outageDraws: TestMarket['outageDraws'] = []

  const price = (ti: number, zi: number, t: number): number =>
    t >= changeAt ? after[ti][zi] : before[ti][zi]

  return {
    zones,
    instanceTypes,
    horizonSeconds,
    ...(options.replayTickSeconds ? { replay: { tickSeconds: options.replayTickSeconds } } : {}),
    launches,
    outageDraws,
    spotPrice: price,
    spotCost: (ti, zi, t0, t1) => {
      if (!(t1 > t0)) return 0
      const split = Math.min(Math.max(changeAt, t0), t1)
      return (before[ti][zi] * (split - t0) + after[ti][zi] * (t1 - split)) / 3600
    },
    capacitySteps: (zi) => ({
      times: steps[zi].times.slice(),
      capacity: steps[zi].capacity.slice()
    }),
    drawReclaimTime: (ti, zi, from) => {
      const script = reclaims[launches.length]
      const reclaimAt =
        script === undefined ? Infinity : typeof script === 'number' ? script : from + script.after
      launches.push({ typeIndex: ti, zoneIndex: zi, from, reclaimAt })
      return reclaimAt
    },
    drawOutageSeconds: (zi) => {
      const seconds = outages[outageDraws.length] ?? 0
      outageDraws.push({ zoneIndex: zi, seconds })
      return seconds
    }
  }
}

/** A task for taskSet: compute seconds and the rest optional. */
export interface TestTask {
  work: number
  arrival?: number
  gpuMemoryGiB?: number
  stateGiB?: number
  model?: number
}

export function taskSet(tasks: TestTask[]): TaskSet {
  return {
    count: tasks.length,
    arrival: Float64Array.from(tasks, (t) => t.arrival ?? 0),
    work: Float64Array.from(tasks, (t) => t.work),
    gpuMemoryGiB: Float64Array.from(tasks, (t) => t.gpuMemoryGiB ?? 8),
    stateGiB: Float64Array.from(tasks, (t) => t.stateGiB ?? 10),
    model: Int32Array.from(tasks, (t) => t.model ?? 0)
  }
}

/**
 * A batch config with round numbers: grace 120 s, changeover 300 s, idle release 600 s, no cold
 * start, no periodic checkpoints, thresholds 0.8 / 0.3, fallback after 2 preemptions.
 */
export function batchConfig(
  overrides: Partial<Omit<SimulationConfig, 'workload'>> = {},
  workload: Partial<BatchWorkloadConfig> = {}
): SimulationConfig & { workload: BatchWorkloadConfig } {
  const base = defaultSimulationConfig()
  return {
    ...base,
    graceSeconds: 120,
    changeoverSeconds: 300,
    idleReleaseSeconds: 600,
    fallbackAfterPreemptions: 2,
    checkpoint: { fullThreshold: 0.8, partialThreshold: 0.3 },
    instanceTypes: [{ ...TEST_TYPE }],
    ...overrides,
    workload: {
      kind: 'batch',
      tasks: 1,
      arrivalWindowHours: 0,
      meanTaskHours: 1,
      taskHoursCv: 0,
      gpuMemoryChoicesGiB: [8],
      stateGiBMin: 10,
      stateGiBMax: 10,
      checkpointIntervalSeconds: 0,
      models: 1,
      coldStartSeconds: 0,
      ...workload
    }
  }
}

/** A deadline-job config: compute C and deadline R in hours, changeover d in seconds, grace 120 s. */
export function deadlineConfig(
  computeHours: number,
  deadlineHours: number,
  changeoverSeconds: number,
  overrides: Partial<Omit<SimulationConfig, 'workload'>> = {}
): SimulationConfig & { workload: DeadlineJobConfig } {
  const base = defaultSimulationConfig()
  return {
    ...base,
    graceSeconds: 120,
    changeoverSeconds,
    instanceTypes: [{ ...TEST_TYPE }],
    policies: ['greedy', 'uniform-progress', 'ondemand'],
    ...overrides,
    workload: { kind: 'deadline', computeHours, deadlineHours }
  }
}

/** A uniform source that fails the test if the engine draws from it where nothing should be random. */
export function noRandom(): () => number {
  return () => {
    throw new Error('unexpected random draw')
  }
}

/** A fixed-sequence uniform source (cycles). */
export function sequence(...values: number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]
}
