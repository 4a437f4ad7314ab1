// Runtime validation of a simulation config, shared by the CLI, the daemon API, the Electron bridge
// and the cockpit's what-if form (which uses the same messages inline).
import { z } from 'zod'
import {
  ALL_POLICIES,
  DEADLINE_ONLY_POLICIES,
  MAX_START_OFFSETS,
  MIGRATION_STRATEGIES,
  SERVICE_PLACEMENTS,
  TRACE_ONLY_POLICIES,
  type SimulationConfig
} from './simulation'

/**
 * Upper bounds of a simulation, so one request cannot ask for unbounded work or memory: the
 * simulator allocates per tick, per task and per run. Documented in the README (limits).
 */
export const SIMULATION_LIMITS = {
  runs: 10_000,
  tasks: 100_000,
  /** simulated hours: a year */
  durationHours: 8_760,
  /** synthetic market ticks over the duration (duration / tickSeconds) */
  marketTicks: 1_000_000,
  instanceTypes: 32,
  zones: 64,
  /** worker threads of one sweep (`--workers`) */
  workers: 64,
  /** distinct models of a batch workload: each instance's warm models are one bit each of a float's 52-bit mantissa */
  models: 52,
  /** service mode: ready replicas wanted, extra spot replicas and spares (the workload file's caps) */
  serviceReplicas: 64,
  serviceOverProvision: 16,
  serviceStandby: 16
} as const

const YEAR_HOURS = 8_760
const YEAR_SECONDS = YEAR_HOURS * 3600

const positive = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .finite()
    .positive(`${what} must be > 0`)
    .max(max, `${what} must be <= ${max}`)
const nonNegative = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .finite()
    .min(0, `${what} must be >= 0`)
    .max(max, `${what} must be <= ${max}`)
const fraction = (what: string) => nonNegative(what, 1)
const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(min, `${what} must be >= ${min}`)
    .max(max, `${what} must be <= ${max}`)
const label = (what: string) =>
  z.string().min(1, `${what} is empty`).max(64, `${what} is longer than 64 characters`)

export const instanceTypeSchema = z.object({
  name: z.string().min(1, 'instance type name is empty').max(64, 'instance type name is too long'),
  gpus: z
    .number()
    .int('gpus must be a whole number')
    .min(1, 'gpus must be >= 1')
    .max(16, 'gpus must be <= 16'),
  gpuMemoryGiB: positive('gpuMemoryGiB', 4096),
  networkGbps: positive('networkGbps', 10_000),
  onDemandPrice: positive('onDemandPrice', 10_000),
  meanSpotPrice: positive('meanSpotPrice', 10_000)
})

const hazardSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), perHour: nonNegative('preemption rate', 100) }),
  z.object({
    kind: z.literal('price-linked'),
    basePerHour: nonNegative('base preemption rate', 100),
    elasticity: z
      .number()
      .finite()
      .min(-10, 'hazard elasticity must be >= -10')
      .max(10, 'hazard elasticity must be <= 10')
  })
])

const marketSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('synthetic'),
    zones: z
      .array(label('zone'))
      .min(1, 'at least one zone is needed')
      .max(SIMULATION_LIMITS.zones, `at most ${SIMULATION_LIMITS.zones} zones`),
    tickSeconds: z
      .number({ error: 'tickSeconds must be a number' })
      .finite()
      .min(1, 'tickSeconds must be >= 1')
      .max(86_400, 'tickSeconds must be <= 86400'),
    reversionPerHour: positive('reversionPerHour', 1000),
    volatility: nonNegative('volatility', 100),
    dailyAmplitude: fraction('dailyAmplitude'),
    zoneSpread: fraction('zoneSpread'),
    hazard: hazardSchema,
    outageMeanSeconds: nonNegative('outageMeanSeconds', YEAR_SECONDS)
  }),
  z.object({
    kind: z.literal('trace'),
    path: z.string().min(1, 'trace path is empty').max(4096, 'trace path is too long'),
    binaryCapacity: z
      .number()
      .positive('binaryCapacity must be > 0')
      .max(1_000_000, 'binaryCapacity must be <= 1000000'),
    startOffsetsSeconds: z
      .array(nonNegative('start offset', YEAR_SECONDS * 100))
      .min(1, 'start offsets: at least one is needed')
      .max(MAX_START_OFFSETS, `start offsets: at most ${MAX_START_OFFSETS}`)
      .optional()
  })
])

const workloadSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('batch'),
    tasks: z
      .number()
      .int('tasks must be a whole number')
      .min(1, 'tasks must be >= 1')
      .max(SIMULATION_LIMITS.tasks, `tasks must be <= ${SIMULATION_LIMITS.tasks}`),
    arrivalWindowHours: nonNegative('arrivalWindowHours', YEAR_HOURS),
    meanTaskHours: positive('meanTaskHours', YEAR_HOURS),
    taskHoursCv: nonNegative('taskHoursCv', 100),
    gpuMemoryChoicesGiB: z
      .array(positive('gpuMemoryChoicesGiB', 4096))
      .min(1, 'gpuMemoryChoicesGiB is empty')
      .max(64, 'gpuMemoryChoicesGiB has more than 64 choices'),
    stateGiBMin: positive('stateGiBMin', 1_000_000),
    stateGiBMax: positive('stateGiBMax', 1_000_000),
    checkpointIntervalSeconds: nonNegative('checkpointIntervalSeconds', YEAR_SECONDS),
    models: z
      .number()
      .int('models must be a whole number')
      .min(1, 'models must be >= 1')
      .max(SIMULATION_LIMITS.models, `models must be <= ${SIMULATION_LIMITS.models}`),
    coldStartSeconds: nonNegative('coldStartSeconds', 86_400)
  }),
  z.object({
    kind: z.literal('deadline'),
    computeHours: positive('job compute time (--job)', YEAR_HOURS),
    deadlineHours: positive('deadline (--deadline)', YEAR_HOURS)
  }),
  z.object({
    kind: z.literal('service'),
    replicas: wholeNumber('service replicas (--service)', 1, SIMULATION_LIMITS.serviceReplicas),
    overProvision: wholeNumber(
      'extra spot replicas (--over-provision)',
      0,
      SIMULATION_LIMITS.serviceOverProvision
    ),
    standby: wholeNumber('spares (--standby)', 0, SIMULATION_LIMITS.serviceStandby),
    bootSeconds: nonNegative('boot time (--boot)', 86_400),
    modelLoadSeconds: nonNegative('model load time (--model-load)', 86_400),
    placements: z
      .array(
        z.enum(SERVICE_PLACEMENTS, {
          error: `placement must be one of ${SERVICE_PLACEMENTS.join(', ')}`
        })
      )
      .min(1, 'at least one placement is needed')
      .max(SERVICE_PLACEMENTS.length, `at most ${SERVICE_PLACEMENTS.length} placements`)
      .refine((list) => new Set(list).size === list.length, 'a placement is listed twice')
  })
])

export const simulationConfigSchema = z
  .object({
    seed: z
      .number()
      .int('seed must be a whole number')
      .min(0)
      .max(2 ** 31 - 1, 'seed must be < 2^31'),
    runs: z
      .number()
      .int('runs must be a whole number')
      .min(1, 'runs must be >= 1')
      .max(SIMULATION_LIMITS.runs, `runs must be <= ${SIMULATION_LIMITS.runs}`),
    durationHours: positive('duration', SIMULATION_LIMITS.durationHours),
    policies: z
      .array(z.enum(ALL_POLICIES, { error: `policy must be one of ${ALL_POLICIES.join(', ')}` }))
      .max(ALL_POLICIES.length, `at most ${ALL_POLICIES.length} policies`),
    migration: z.enum(MIGRATION_STRATEGIES, {
      error: `migration must be one of ${MIGRATION_STRATEGIES.join(', ')}`
    }),
    graceSeconds: positive('grace', 86_400),
    changeoverSeconds: nonNegative('changeover', 86_400 * 7),
    idleReleaseSeconds: nonNegative('idleReleaseSeconds', 86_400 * 7),
    fallbackAfterPreemptions: z
      .number()
      .int()
      .min(1, 'fallbackAfterPreemptions must be >= 1')
      .max(1000, 'fallbackAfterPreemptions must be <= 1000'),
    timeSlices: z
      .number()
      .int('time slices must be a whole number')
      .min(1, 'time slices must be >= 1')
      .max(1000, 'time slices must be <= 1000')
      .optional(),
    checkpoint: z.object({
      fullThreshold: fraction('fullThreshold'),
      partialThreshold: fraction('partialThreshold')
    }),
    instanceTypes: z
      .array(instanceTypeSchema)
      .min(1, 'at least one instance type is needed')
      .max(
        SIMULATION_LIMITS.instanceTypes,
        `at most ${SIMULATION_LIMITS.instanceTypes} instance types`
      ),
    market: marketSchema,
    workload: workloadSchema
  })
  .superRefine((c, ctx) => {
    // (past its own caps, the duration's or the tick's issue says it all)
    if (
      c.market.kind === 'synthetic' &&
      c.market.tickSeconds >= 1 &&
      c.durationHours <= SIMULATION_LIMITS.durationHours
    ) {
      const ticks = Math.ceil((c.durationHours * 3600) / c.market.tickSeconds)
      if (ticks > SIMULATION_LIMITS.marketTicks)
        ctx.addIssue({
          code: 'custom',
          path: ['market', 'tickSeconds'],
          message: `duration / tickSeconds is ${ticks} market ticks; at most ${SIMULATION_LIMITS.marketTicks} (a longer tick or a shorter duration)`
        })
    }
    // a service compares placements; every other workload needs a policy
    if (c.workload.kind === 'service' && c.policies.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['policies'],
        message:
          'a service workload compares placements (workload.placements), not policies: leave policies empty'
      })
    else if (c.workload.kind !== 'service' && c.policies.length === 0)
      ctx.addIssue({ code: 'custom', path: ['policies'], message: 'at least one policy is needed' })
    if (new Set(c.policies).size !== c.policies.length)
      ctx.addIssue({ code: 'custom', path: ['policies'], message: 'a policy is listed twice' })
    if (c.checkpoint.partialThreshold > c.checkpoint.fullThreshold)
      ctx.addIssue({
        code: 'custom',
        path: ['checkpoint'],
        message: 'partialThreshold must be <= fullThreshold'
      })
    if (c.workload.kind === 'batch' && c.workload.stateGiBMin > c.workload.stateGiBMax)
      ctx.addIssue({
        code: 'custom',
        path: ['workload'],
        message: 'stateGiBMin must be <= stateGiBMax'
      })
    if (c.workload.kind === 'deadline' && c.workload.computeHours > c.workload.deadlineHours)
      ctx.addIssue({
        code: 'custom',
        path: ['workload'],
        message: 'the job (--job) cannot be longer than its deadline (--deadline)'
      })
    for (const policy of c.policies) {
      if (c.workload.kind === 'batch' && DEADLINE_ONLY_POLICIES.includes(policy))
        ctx.addIssue({
          code: 'custom',
          path: ['policies'],
          message: `${policy} needs a deadline job (--job and --deadline)`
        })
      else if (c.market.kind !== 'trace' && TRACE_ONLY_POLICIES.includes(policy))
        ctx.addIssue({
          code: 'custom',
          path: ['policies'],
          message: `${policy} reads the future of the market, which only a replayed trace gives: add --trace`
        })
    }
    if (
      c.market.kind === 'trace' &&
      c.market.startOffsetsSeconds &&
      c.market.startOffsetsSeconds.length !== c.runs
    )
      ctx.addIssue({
        code: 'custom',
        path: ['runs'],
        message: `runs (${c.runs}) must equal the number of start offsets (${c.market.startOffsetsSeconds.length})`
      })
    if (c.workload.kind === 'batch') {
      const biggest = Math.max(...c.instanceTypes.map((t) => t.gpuMemoryGiB))
      const need = Math.max(...c.workload.gpuMemoryChoicesGiB)
      if (need > biggest)
        ctx.addIssue({
          code: 'custom',
          path: ['workload'],
          message: `tasks need ${need} GiB of GPU memory but the largest instance type has ${biggest} GiB`
        })
    }
  })

export type ConfigCheck =
  | { ok: true; config: SimulationConfig }
  | { ok: false; errors: { path: string; message: string }[] }

/** Validates an untrusted config; errors carry the field path and a message a person can act on. */
export function checkSimulationConfig(input: unknown): ConfigCheck {
  const parsed = simulationConfigSchema.safeParse(input)
  if (parsed.success) return { ok: true, config: parsed.data as SimulationConfig }
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message
    }))
  }
}
