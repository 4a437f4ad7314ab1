// Runtime validation of a simulation config, shared by the CLI, the daemon API, the Electron bridge
// and the cockpit's what-if form (which uses the same messages inline).
import { z } from 'zod'
import {
  ALL_POLICIES,
  DEADLINE_ONLY_POLICIES,
  MAX_START_OFFSETS,
  MIGRATION_STRATEGIES,
  TRACE_ONLY_POLICIES,
  type SimulationConfig
} from './simulation'

const positive = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .finite()
    .positive(`${what} must be > 0`)
const nonNegative = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .finite()
    .min(0, `${what} must be >= 0`)
const fraction = (what: string) => nonNegative(what).max(1, `${what} must be <= 1`)

export const instanceTypeSchema = z.object({
  name: z.string().min(1, 'instance type name is empty'),
  gpus: z
    .number()
    .int('gpus must be a whole number')
    .min(1, 'gpus must be >= 1')
    .max(16, 'gpus must be <= 16'),
  gpuMemoryGiB: positive('gpuMemoryGiB'),
  networkGbps: positive('networkGbps'),
  onDemandPrice: positive('onDemandPrice'),
  meanSpotPrice: positive('meanSpotPrice')
})

const hazardSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), perHour: nonNegative('preemption rate') }),
  z.object({
    kind: z.literal('price-linked'),
    basePerHour: nonNegative('base preemption rate'),
    elasticity: z.number().finite()
  })
])

const marketSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('synthetic'),
    zones: z.array(z.string().min(1)).min(1, 'at least one zone is needed'),
    tickSeconds: positive('tickSeconds'),
    reversionPerHour: positive('reversionPerHour'),
    volatility: nonNegative('volatility'),
    dailyAmplitude: fraction('dailyAmplitude'),
    zoneSpread: fraction('zoneSpread'),
    hazard: hazardSchema,
    outageMeanSeconds: nonNegative('outageMeanSeconds')
  }),
  z.object({
    kind: z.literal('trace'),
    path: z.string().min(1, 'trace path is empty'),
    binaryCapacity: z.number().positive('binaryCapacity must be > 0'),
    startOffsetsSeconds: z
      .array(nonNegative('start offset'))
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
      .max(1_000_000, 'tasks must be <= 1000000'),
    arrivalWindowHours: nonNegative('arrivalWindowHours'),
    meanTaskHours: positive('meanTaskHours'),
    taskHoursCv: nonNegative('taskHoursCv'),
    gpuMemoryChoicesGiB: z
      .array(positive('gpuMemoryChoicesGiB'))
      .min(1, 'gpuMemoryChoicesGiB is empty'),
    stateGiBMin: positive('stateGiBMin'),
    stateGiBMax: positive('stateGiBMax'),
    checkpointIntervalSeconds: nonNegative('checkpointIntervalSeconds'),
    models: z.number().int().min(1, 'models must be >= 1'),
    coldStartSeconds: nonNegative('coldStartSeconds')
  }),
  z.object({
    kind: z.literal('deadline'),
    computeHours: positive('job compute time (--job)'),
    deadlineHours: positive('deadline (--deadline)')
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
      .max(100_000, 'runs must be <= 100000'),
    durationHours: positive('duration'),
    policies: z
      .array(z.enum(ALL_POLICIES, { error: `policy must be one of ${ALL_POLICIES.join(', ')}` }))
      .min(1, 'at least one policy is needed'),
    migration: z.enum(MIGRATION_STRATEGIES, {
      error: `migration must be one of ${MIGRATION_STRATEGIES.join(', ')}`
    }),
    graceSeconds: positive('grace'),
    changeoverSeconds: nonNegative('changeover'),
    idleReleaseSeconds: nonNegative('idleReleaseSeconds'),
    fallbackAfterPreemptions: z.number().int().min(1, 'fallbackAfterPreemptions must be >= 1'),
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
    instanceTypes: z.array(instanceTypeSchema).min(1, 'at least one instance type is needed'),
    market: marketSchema,
    workload: workloadSchema
  })
  .superRefine((c, ctx) => {
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
