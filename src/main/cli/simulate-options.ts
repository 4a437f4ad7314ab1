import { readFileSync, statSync } from 'node:fs'
import {
  ALL_POLICIES,
  MAX_START_OFFSETS,
  MIGRATION_STRATEGIES,
  SERVICE_PLACEMENTS,
  type PolicyName,
  type ServicePlacementName,
  type SimulationConfig
} from '../../shared/simulation'
import { checkSimulationConfig } from '../../shared/simulation-schema'
import { findSimulatorInstanceType, SIMULATOR_INSTANCE_TYPES } from '../simulator/catalog'
import { defaultSimulationConfig } from '../simulator/config'
import { loadTrace, TraceError } from '../simulator/traces'
import type { LoadedTrace } from '../simulator/traces'
import { parseNumberFlag, UsageError } from './errors'

/** The flags of `synkti simulate`, as commander hands them over (strings, unparsed). */
export interface SimulateFlags {
  duration?: string
  tasks?: string
  policies?: string
  output?: string
  spotPrice?: string
  ondemandPrice?: string
  seed?: string
  runs?: string
  trace?: string
  traceCapacity?: string
  preemptionRate?: string
  hazard?: string
  hazardElasticity?: string
  grace?: string
  migration?: string
  job?: string
  deadline?: string
  changeover?: string
  workers?: string
  startOffsets?: string
  timeSlices?: string
  instanceTypes?: string
  models?: string
  coldStart?: string
  gpuMemory?: string
  idleRelease?: string
  service?: string
  overProvision?: string
  standby?: string
  boot?: string
  modelLoad?: string
  placements?: string
  json?: boolean
  timeline?: boolean
}

const DEADLINE_DEFAULT_POLICIES: PolicyName[] = ['greedy', 'uniform-progress', 'ondemand']

/** Service mode's defaults (README, service mode): a GPU instance's boot and a model server's load. */
export const SERVICE_DEFAULTS = {
  overProvision: 1,
  standby: 0,
  bootSeconds: 180,
  modelLoadSeconds: 300
} as const

/** Turns flags into a validated config (and the loaded trace), or throws UsageError naming the flag or file. */
export function configFromFlags(flags: SimulateFlags): {
  config: SimulationConfig
  trace?: LoadedTrace
} {
  const config = defaultSimulationConfig()
  const type = config.instanceTypes[0]
  if (flags.instanceTypes !== undefined && flags.trace !== undefined)
    throw new UsageError('--instance-types applies to the synthetic market; a trace names its type')
  if (flags.duration !== undefined)
    config.durationHours = parseNumberFlag('--duration', flags.duration, 'positive')
  if (flags.seed !== undefined) {
    config.seed = parseNumberFlag('--seed', flags.seed, 'integer>=0')
    if (config.seed >= 2 ** 31)
      throw new UsageError(`--seed must be below 2147483648, got "${flags.seed}"`)
  }
  if (flags.runs !== undefined) config.runs = parseNumberFlag('--runs', flags.runs, 'integer>=1')
  if (flags.grace !== undefined)
    config.graceSeconds = parseNumberFlag('--grace', flags.grace, 'positive')
  if (flags.migration !== undefined) {
    if (!(MIGRATION_STRATEGIES as readonly string[]).includes(flags.migration))
      throw new UsageError(
        `--migration must be one of ${MIGRATION_STRATEGIES.join(', ')}, got "${flags.migration}"`
      )
    config.migration = flags.migration as SimulationConfig['migration']
  }

  const jobFlags = [flags.job, flags.deadline].filter((f) => f !== undefined).length
  if (jobFlags === 1)
    throw new UsageError('--job and --deadline go together: give both for a deadline job')
  if (flags.changeover !== undefined && jobFlags === 0)
    throw new UsageError('--changeover needs a deadline job (--job and --deadline)')
  if (jobFlags === 2) {
    if (flags.tasks !== undefined)
      throw new UsageError('--tasks describes a batch workload; it cannot be combined with --job')
    config.workload = {
      kind: 'deadline',
      computeHours: parseNumberFlag('--job', flags.job!, 'positive'),
      deadlineHours: parseNumberFlag('--deadline', flags.deadline!, 'positive')
    }
    if (config.workload.computeHours > config.workload.deadlineHours)
      throw new UsageError(
        `--job (${flags.job} h) cannot be longer than --deadline (${flags.deadline} h)`
      )
    config.changeoverSeconds =
      flags.changeover !== undefined
        ? parseNumberFlag('--changeover', flags.changeover, 'non-negative') * 3600
        : 0.1 * 3600
    config.policies = [...DEADLINE_DEFAULT_POLICIES]
  } else if (flags.tasks !== undefined && config.workload.kind === 'batch') {
    config.workload.tasks = parseNumberFlag('--tasks', flags.tasks, 'integer>=1')
  }

  if (flags.service !== undefined) serviceFromFlags(flags, config, jobFlags)
  else
    for (const [flag, value] of [
      ['--over-provision', flags.overProvision],
      ['--standby', flags.standby],
      ['--boot', flags.boot],
      ['--model-load', flags.modelLoad],
      ['--placements', flags.placements]
    ] as const)
      if (value !== undefined) throw new UsageError(`${flag} describes a service: add --service`)

  if (flags.policies !== undefined) config.policies = parsePolicies(flags.policies)
  if (flags.timeSlices !== undefined) {
    if (!config.policies.includes('time-sliced'))
      throw new UsageError(
        '--time-slices sets the time-sliced policy: add time-sliced to --policies'
      )
    config.timeSlices = parseNumberFlag('--time-slices', flags.timeSlices, 'integer>=1')
  }

  let trace: LoadedTrace | undefined
  if (flags.trace !== undefined) {
    for (const [flag, value] of [
      ['--preemption-rate', flags.preemptionRate],
      ['--hazard', flags.hazard]
    ] as const) {
      if (value !== undefined)
        throw new UsageError(
          `${flag} applies to the synthetic market; with --trace, preemptions come from the trace`
        )
    }
    try {
      trace = loadTrace(flags.trace)
    } catch (error) {
      if (error instanceof TraceError) throw new UsageError(error.message)
      throw error
    }
    const capacity =
      flags.traceCapacity !== undefined
        ? parseNumberFlag('--trace-capacity', flags.traceCapacity, 'integer>=1')
        : 1000
    config.market = { kind: 'trace', path: flags.trace, binaryCapacity: capacity }
    if (flags.startOffsets !== undefined) {
      const offsets = parseStartOffsets(flags.startOffsets)
      if (flags.runs !== undefined && config.runs !== offsets.length)
        throw new UsageError(
          `--runs ${config.runs} does not match the ${offsets.length} start offsets of --start-offsets (drop --runs)`
        )
      config.runs = offsets.length
      config.market.startOffsetsSeconds = offsets
    }
    if (trace.instanceType) config.instanceTypes = [{ ...trace.instanceType }]
  } else {
    if (flags.traceCapacity !== undefined) throw new UsageError('--trace-capacity needs --trace')
    if (flags.startOffsets !== undefined)
      throw new UsageError('--start-offsets are points in a trace: it needs --trace')
    const market = config.market
    if (market.kind === 'synthetic') {
      const hazard = flags.hazard ?? 'fixed'
      if (hazard !== 'fixed' && hazard !== 'price-linked')
        throw new UsageError(`--hazard must be fixed or price-linked, got "${hazard}"`)
      const rate =
        flags.preemptionRate !== undefined
          ? parseNumberFlag('--preemption-rate', flags.preemptionRate, 'non-negative')
          : undefined
      if (hazard === 'fixed')
        market.hazard = {
          kind: 'fixed',
          perHour: rate ?? (market.hazard.kind === 'fixed' ? market.hazard.perHour : 0.05)
        }
      else {
        const elasticity =
          flags.hazardElasticity !== undefined
            ? parseNumberFlag('--hazard-elasticity', flags.hazardElasticity, 'non-negative')
            : 2
        market.hazard = { kind: 'price-linked', basePerHour: rate ?? 0.05, elasticity }
      }
    }
  }
  if (flags.hazardElasticity !== undefined && flags.hazard !== 'price-linked')
    throw new UsageError('--hazard-elasticity needs --hazard price-linked')
  applyPlacementFlags(flags, config)

  const instanceType = config.instanceTypes[0] ?? type
  if (flags.ondemandPrice !== undefined)
    instanceType.onDemandPrice = parseNumberFlag(
      '--ondemand-price',
      flags.ondemandPrice,
      'positive'
    )
  if (flags.spotPrice !== undefined)
    instanceType.meanSpotPrice = parseNumberFlag('--spot-price', flags.spotPrice, 'positive')
  if (instanceType.meanSpotPrice > instanceType.onDemandPrice)
    throw new UsageError(
      `--spot-price ($${instanceType.meanSpotPrice}/h) must not exceed the on-demand price ($${instanceType.onDemandPrice}/h)`
    )

  const check = checkSimulationConfig(config)
  if (!check.ok) throw new UsageError(check.errors[0].message)
  return { config: check.config, trace }
}

/**
 * The flags that shape where displaced work can go (a fleet of several types, several models with
 * warm caches, memory needs): see the README's placement section.
 */
function applyPlacementFlags(flags: SimulateFlags, config: SimulationConfig): void {
  if (flags.instanceTypes !== undefined) {
    if (flags.spotPrice !== undefined || flags.ondemandPrice !== undefined)
      throw new UsageError(
        '--spot-price and --ondemand-price set the single default type; with --instance-types each type has its catalog price'
      )
    config.instanceTypes = parseList('--instance-types', flags.instanceTypes).map((name) => {
      const type = findSimulatorInstanceType(name)
      if (!type)
        throw new UsageError(
          `unknown instance type "${name}" in --instance-types (known: ${SIMULATOR_INSTANCE_TYPES.map((t) => t.name).join(', ')})`
        )
      return { ...type }
    })
    if (new Set(config.instanceTypes.map((t) => t.name)).size !== config.instanceTypes.length)
      throw new UsageError('--instance-types lists a type twice')
  }
  const workload = config.workload
  const batchOnly = [
    ['--models', flags.models],
    ['--cold-start', flags.coldStart],
    ['--gpu-memory', flags.gpuMemory]
  ] as const
  for (const [flag, value] of batchOnly)
    if (value !== undefined && workload.kind !== 'batch')
      throw new UsageError(`${flag} describes batch tasks; it does not apply to --job or --service`)
  if (workload.kind === 'batch') {
    if (flags.models !== undefined)
      workload.models = parseNumberFlag('--models', flags.models, 'integer>=1')
    if (flags.coldStart !== undefined)
      workload.coldStartSeconds = parseNumberFlag('--cold-start', flags.coldStart, 'non-negative')
    if (flags.gpuMemory !== undefined)
      workload.gpuMemoryChoicesGiB = parseList('--gpu-memory', flags.gpuMemory).map((item) =>
        parseNumberFlag('--gpu-memory', item, 'positive')
      )
  }
  if (flags.idleRelease !== undefined)
    config.idleReleaseSeconds = parseNumberFlag('--idle-release', flags.idleRelease, 'non-negative')
}

function parseList(flag: string, raw: string): string[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  if (items.length === 0) throw new UsageError(`${flag} needs at least one value`)
  return items
}

/** --service and its flags: the workload becomes a service compared over placements. */
function serviceFromFlags(flags: SimulateFlags, config: SimulationConfig, jobFlags: number): void {
  for (const [flag, given] of [
    ['--tasks', flags.tasks !== undefined],
    ['--job', jobFlags > 0],
    ['--policies', flags.policies !== undefined],
    ['--migration', flags.migration !== undefined],
    ['--time-slices', flags.timeSlices !== undefined]
  ] as const)
    if (given)
      throw new UsageError(`${flag} does not apply to --service (a service compares --placements)`)
  const count = (flag: string, value: string | undefined, fallback: number, min: 0 | 1): number =>
    value === undefined
      ? fallback
      : parseNumberFlag(flag, value, min === 1 ? 'integer>=1' : 'integer>=0')
  const seconds = (flag: string, value: string | undefined, fallback: number): number =>
    value === undefined ? fallback : parseNumberFlag(flag, value, 'non-negative')
  config.policies = []
  config.workload = {
    kind: 'service',
    replicas: count('--service', flags.service, 1, 1),
    overProvision: count(
      '--over-provision',
      flags.overProvision,
      SERVICE_DEFAULTS.overProvision,
      0
    ),
    standby: count('--standby', flags.standby, SERVICE_DEFAULTS.standby, 0),
    bootSeconds: seconds('--boot', flags.boot, SERVICE_DEFAULTS.bootSeconds),
    modelLoadSeconds: seconds('--model-load', flags.modelLoad, SERVICE_DEFAULTS.modelLoadSeconds),
    placements:
      flags.placements !== undefined ? parsePlacements(flags.placements) : [...SERVICE_PLACEMENTS]
  }
}

export function parsePlacements(raw: string): ServicePlacementName[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  if (names.length === 0) throw new UsageError('--placements needs at least one placement')
  const seen = new Set<string>()
  for (const name of names) {
    if (!(SERVICE_PLACEMENTS as readonly string[]).includes(name))
      throw new UsageError(
        `unknown placement "${name}" in --placements (known: ${SERVICE_PLACEMENTS.join(', ')})`
      )
    if (seen.has(name)) throw new UsageError(`placement "${name}" is listed twice in --placements`)
    seen.add(name)
  }
  return names as ServicePlacementName[]
}

export function parsePolicies(raw: string): PolicyName[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  if (names.length === 0) throw new UsageError('--policies needs at least one policy')
  const seen = new Set<string>()
  for (const name of names) {
    if (!(ALL_POLICIES as readonly string[]).includes(name))
      throw new UsageError(
        `unknown policy "${name}" in --policies (known: ${ALL_POLICIES.join(', ')})`
      )
    if (seen.has(name)) throw new UsageError(`policy "${name}" is listed twice in --policies`)
    seen.add(name)
  }
  return names as PolicyName[]
}

/** A list file this large is not a list of start offsets. */
const MAX_OFFSETS_FILE_BYTES = 4 * 1024 * 1024

/**
 * --start-offsets: seconds into the trace, as a comma list ("0,3600,7200") or the path of a file
 * holding them (separated by commas, spaces or new lines).
 */
export function parseStartOffsets(raw: string): number[] {
  let text = raw
  if (!/^[\d.,\s]*$/.test(raw)) {
    let size: number
    try {
      size = statSync(raw).size
    } catch (error) {
      throw new UsageError(
        `--start-offsets: "${raw}" is neither a comma list of seconds nor a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`
      )
    }
    if (size > MAX_OFFSETS_FILE_BYTES)
      throw new UsageError(`--start-offsets: ${raw} is larger than ${MAX_OFFSETS_FILE_BYTES} bytes`)
    text = readFileSync(raw, 'utf8')
  }
  const items = text.split(/[\s,]+/).filter((item) => item.length > 0)
  if (items.length === 0) throw new UsageError('--start-offsets: no offsets given')
  if (items.length > MAX_START_OFFSETS)
    throw new UsageError(
      `--start-offsets: ${items.length} offsets, at most ${MAX_START_OFFSETS} are replayed at once`
    )
  return items.map((item) => parseNumberFlag('--start-offsets', item, 'non-negative'))
}
