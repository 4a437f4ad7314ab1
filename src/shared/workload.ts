// Workloads: what a user declares (a model service or a deadline job), validated at every edge that
// accepts one (workload files, the daemon API, the cockpit). One schema, strict: an unknown field is
// an error, every number is bounded, and every default is applied here so the controller only ever
// sees complete workloads. Messages are written for people: `expected a whole number from 0 to 64,
// got 2.5`; the caller adds the field path (and, for files, the line).
import { z } from 'zod'
import type { PolicyName } from './simulation'

/**
 * vLLM's OpenAI server, pinned rather than `latest`: a replica relaunched after a reclaim must run
 * the same server as the replicas still serving (a new release between two launches would split one
 * service over two versions), and this release serves `/health`, `/v1/models` and the
 * `vllm:num_requests_running` / `vllm:num_requests_waiting` gauges that readiness and the
 * fail-closed drain read. Raise it deliberately, per workload with `image`, or here for everyone.
 */
export const DEFAULT_VLLM_IMAGE = 'vllm/vllm-openai:v0.12.0'

/**
 * What a job without `image` runs in on a real cloud: a pinned PyTorch + CUDA runtime (python, pip,
 * torch), pinned for the same reason as vLLM (a job resumed on a new instance must see the same
 * environment it checkpointed in). The sandbox runs no container and ignores it.
 */
export const DEFAULT_JOB_IMAGE = 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime'

export const SERVICE_MARKETS = ['spot', 'ondemand', 'spot-with-fallback'] as const
export type ServiceMarket = (typeof SERVICE_MARKETS)[number]

/**
 * What a service does on a rebalance recommendation (a spot instance at elevated risk): `replace`
 * starts its replacement at once and retires the instance when the replacement is ready (paying for
 * both meanwhile); `wait` does nothing until a notice comes.
 */
export const REBALANCE_ACTIONS = ['wait', 'replace'] as const
export type RebalanceAction = (typeof REBALANCE_ACTIONS)[number]

export const JOB_POLICIES = ['greedy', 'uniform-progress', 'ondemand', 'fallback'] as const
export type JobPolicy = (typeof JOB_POLICIES)[number] & PolicyName

/** vLLM flags the controller sets itself from the workload (model, port, where it listens). */
export const MANAGED_VLLM_FLAGS = ['--model', '--port', '--host', '--served-model-name'] as const

export const WORKLOAD_LIMITS = {
  nameLength: 40,
  modelLength: 256,
  imageLength: 255,
  replicas: 64,
  standby: 16,
  overProvision: 16,
  instanceTypes: 16,
  instanceTypeLength: 64,
  zones: 16,
  zoneLength: 64,
  envEntries: 64,
  envKeyLength: 128,
  envValueLength: 4096,
  args: 64,
  argLength: 1024,
  commandParts: 64,
  commandPartLength: 4096,
  budgetPerHour: 100_000,
  workHours: 10_000,
  deadlineHours: 87_600,
  changeoverHours: 24,
  checkpointDirLength: 1024,
  parameterNameLength: 2048,
  stateGiB: 65_536,
  everyMinutes: 1440,
  readyTimeoutSeconds: 7200,
  healthIntervalSeconds: 300,
  failureThreshold: 20,
  /** gp3 root volumes: 8 GiB to 16 TiB */
  diskGiB: [8, 16_384] as const
} as const

/** the root disk a launch gets when the workload names none: room for a 7-34B model and its image */
export const DEFAULT_DISK_GIB = 200

export const SERVICE_DEFAULTS = {
  replicas: 1,
  standby: 0,
  overProvision: 0,
  market: 'spot-with-fallback' as ServiceMarket,
  rebalance: 'wait' as RebalanceAction,
  image: DEFAULT_VLLM_IMAGE,
  port: 8000,
  health: { readyTimeoutSeconds: 1800, intervalSeconds: 10, failureThreshold: 3 }
} as const

export const JOB_DEFAULTS = {
  changeoverHours: 0.1,
  policy: 'uniform-progress' as JobPolicy,
  everyMinutes: 30
} as const

// ---------------------------------------------------------------- messages

/** How a bad value is named in a message: short, and never the whole of a large input. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value))
    return value.length === 0 ? 'an empty list' : `a list of ${value.length}`
  switch (typeof value) {
    case 'number':
      return String(value)
    case 'boolean':
      return String(value)
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
    case 'object':
      return 'a map'
    default:
      return typeof value
  }
}

type Issue = { input?: unknown }
/** One message for every failure of a field (wrong type, out of range, wrong form). */
const expecting =
  (what: string) =>
  (issue: Issue): string =>
    issue.input === undefined ? 'required' : `expected ${what}, got ${describeValue(issue.input)}`

// ---------------------------------------------------------------- field builders

function wholeNumber(min: number, max: number) {
  const error = expecting(`a whole number from ${min} to ${max}`)
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error })
}

/** `noun` names the value: "a number of hours" → "a number of hours above 0 and at most 10000". */
function decimal(min: number, max: number, noun: string, above = false) {
  const range = above ? `above ${min} and at most ${max}` : `from ${min} to ${max}`
  const error = expecting(`${noun} ${range}`)
  const base = z.number({ error })
  return (above ? base.gt(min, { error }) : base.min(min, { error })).max(max, { error })
}

function text(pattern: RegExp, maxLength: number, what: string) {
  const error = expecting(what)
  return z.string({ error }).min(1, { error }).max(maxLength, { error }).regex(pattern, { error })
}

function list<T extends z.ZodType>(item: T, min: number, max: number, what: string) {
  const error = expecting(`a list of ${min} to ${max} ${what}`)
  return z.array(item, { error }).min(min, { error }).max(max, { error })
}

/** Lists whose entries must be distinct (instance types, zones): the repeat is named at its index. */
function distinct<T extends z.ZodType>(schema: z.ZodArray<T>) {
  return schema.superRefine((items, ctx) => {
    const seen = new Set<unknown>()
    items.forEach((item, index) => {
      if (seen.has(item))
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `${describeValue(item)} is listed twice`
        })
      seen.add(item)
    })
  })
}

const L = WORKLOAD_LIMITS

const nameSchema = text(
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
  L.nameLength,
  `a name of lowercase letters, digits and '-' (at most ${L.nameLength}, starting and ending with a letter or digit)`
)

const instanceTypesSchema = distinct(
  list(
    text(/^[a-z0-9][a-z0-9.-]*$/, L.instanceTypeLength, 'an instance type name like g5.xlarge'),
    1,
    L.instanceTypes,
    'instance types'
  )
)

const zonesSchema = distinct(
  list(
    text(/^[a-z0-9][a-z0-9-]*$/, L.zoneLength, 'a zone name like us-east-1a'),
    1,
    L.zones,
    'zones'
  )
)

// A container image reference: [registry[:port]/]path[:tag][@sha256:digest], lowercase path parts.
const IMAGE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/
const imageSchema = text(
  IMAGE,
  L.imageLength,
  'a container image like vllm/vllm-openai:v0.12.0 (registry/path:tag, lowercase path)'
)

/** an ELBv2 target group: arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID */
export const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/
const routerSchema = z.union(
  [
    z.literal('builtin'),
    z.strictObject({
      targetGroupArn: text(
        TARGET_GROUP_ARN,
        256,
        'an ELBv2 target group ARN like arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/llama/0123456789abcdef'
      )
    })
  ],
  { error: expecting('builtin, or { targetGroupArn: <an ELBv2 target group ARN> }') }
)

const ENV_KEY = 'a variable name of letters, digits and _ (not starting with a digit)'
const envSchema = z
  .record(
    text(/^[A-Za-z_][A-Za-z0-9_]*$/, L.envKeyLength, ENV_KEY),
    z
      .string({ error: expecting('text (quote numbers and booleans, e.g. "1")') })
      .max(L.envValueLength, {
        error: expecting(`text of at most ${L.envValueLength} characters`)
      }),
    {
      // zod reports a bad key with the record's error: name the key problem, not the map's
      error: (issue) =>
        issue.code === 'invalid_key'
          ? expecting(ENV_KEY)(issue)
          : expecting('a map of variable names to text')(issue)
    }
  )
  .superRefine((env, ctx) => {
    const count = Object.keys(env).length
    if (count > L.envEntries)
      ctx.addIssue({
        code: 'custom',
        message: `expected at most ${L.envEntries} variables, got ${count}`
      })
  })

// ---------------------------------------------------------------- service

const healthSchema = z.strictObject(
  {
    readyTimeoutSeconds: wholeNumber(10, L.readyTimeoutSeconds).default(
      SERVICE_DEFAULTS.health.readyTimeoutSeconds
    ),
    intervalSeconds: wholeNumber(1, L.healthIntervalSeconds).default(
      SERVICE_DEFAULTS.health.intervalSeconds
    ),
    failureThreshold: wholeNumber(1, L.failureThreshold).default(
      SERVICE_DEFAULTS.health.failureThreshold
    )
  },
  { error: expecting('a map of readyTimeoutSeconds, intervalSeconds, failureThreshold') }
)

const argSchema = z
  .string({ error: expecting(`text of 1 to ${L.argLength} characters`) })
  .min(1, { error: expecting(`text of 1 to ${L.argLength} characters`) })
  .max(L.argLength, { error: expecting(`text of 1 to ${L.argLength} characters`) })
  .superRefine((arg, ctx) => {
    const flag = MANAGED_VLLM_FLAGS.find((f) => arg === f || arg.startsWith(`${f}=`))
    if (flag)
      ctx.addIssue({
        code: 'custom',
        message: `"${flag}" is set by Synkti from the workload (${flag === '--port' ? 'use port' : flag === '--host' ? 'replicas listen on all interfaces' : 'use model'})`
      })
  })

/**
 * An SSM Parameter Store name (a SecureString holding e.g. a Hugging Face token): only the name goes
 * into the boot script; the instance reads the value with its own role. AWS's own character rule.
 */
/** where secrets live in SSM Parameter Store: the only path the agents' role may read */
export const SECRET_PARAMETER_PREFIX = '/synkti/'

const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]+$/
const parameterNameSchema = text(
  PARAMETER_NAME,
  L.parameterNameLength,
  'an SSM parameter name like /synkti/hf-token (letters, digits and . _ - /)'
).refine(
  // a malformed name is already told as such: one message per problem
  (name) =>
    !PARAMETER_NAME.test(name) ||
    name.length > L.parameterNameLength ||
    name.startsWith(SECRET_PARAMETER_PREFIX),
  {
    message: `must be under ${SECRET_PARAMETER_PREFIX}, the only SSM path the instances' role may read (e.g. ${SECRET_PARAMETER_PREFIX}hf-token)`
  }
)

export const serviceWorkloadSchema = z
  .strictObject({
    kind: z.literal('service'),
    name: nameSchema,
    model: text(
      /^[A-Za-z0-9/][A-Za-z0-9._\-/:@+]*$/,
      L.modelLength,
      'a model id like meta-llama/Llama-3.1-8B-Instruct (no spaces or quotes)'
    ),
    replicas: wholeNumber(0, L.replicas).default(SERVICE_DEFAULTS.replicas),
    standby: wholeNumber(0, L.standby).default(SERVICE_DEFAULTS.standby),
    overProvision: wholeNumber(0, L.overProvision).default(SERVICE_DEFAULTS.overProvision),
    instanceTypes: instanceTypesSchema,
    market: z
      .enum(SERVICE_MARKETS, { error: expecting(`one of ${SERVICE_MARKETS.join(', ')}`) })
      .default(SERVICE_DEFAULTS.market),
    rebalance: z
      .enum(REBALANCE_ACTIONS, { error: expecting(`one of ${REBALANCE_ACTIONS.join(', ')}`) })
      .default(SERVICE_DEFAULTS.rebalance),
    maxOnDemandShare: decimal(0, 1, 'a share of the replicas').optional(),
    budgetPerHour: decimal(0, L.budgetPerHour, 'a number of dollars per hour').optional(),
    zones: zonesSchema.optional(),
    image: imageSchema.default(SERVICE_DEFAULTS.image),
    port: wholeNumber(1, 65535).default(SERVICE_DEFAULTS.port),
    /** each instance's root disk (model weights, the image, caches); absent: DEFAULT_DISK_GIB */
    diskGiB: wholeNumber(...L.diskGiB).optional(),
    args: list(argSchema, 0, L.args, 'vLLM arguments').default([]),
    env: envSchema.default({}),
    /** SSM SecureString parameter whose value vLLM gets as HF_TOKEN (gated models) */
    hfTokenParameter: parameterNameSchema.optional(),
    health: healthSchema.prefault({}),
    /** who routes clients to the ready replicas: the built-in router, or an ELBv2 target group */
    router: routerSchema.default('builtin')
  })
  .superRefine((service, ctx) => {
    if (service.maxOnDemandShare !== undefined && service.market !== 'spot-with-fallback')
      ctx.addIssue({
        code: 'custom',
        path: ['maxOnDemandShare'],
        message: `only applies to market: spot-with-fallback (market is ${service.market})`
      })
  })

// ---------------------------------------------------------------- job

const checkpointSchema = z.strictObject(
  {
    // no ':' or ',' (docker's bind-mount syntax) and no control characters: it is mounted in the job's container
    dir: text(
      // eslint-disable-next-line no-control-regex
      /^\/(?!.*(^|\/)\.\.(\/|$))[^\u0000-\u001f\u007f:,]*$/,
      L.checkpointDirLength,
      'an absolute path like /ckpt (no .., no : or , or control characters)'
    ),
    stateGiB: decimal(0, L.stateGiB, 'a number of GiB'),
    everyMinutes: decimal(0, L.everyMinutes, 'a number of minutes', true).default(
      JOB_DEFAULTS.everyMinutes
    )
  },
  { error: expecting('a map of dir, stateGiB and everyMinutes') }
)

const commandPart = z
  .string({ error: expecting(`text of 1 to ${L.commandPartLength} characters`) })
  .min(1, { error: expecting(`text of 1 to ${L.commandPartLength} characters`) })
  .max(L.commandPartLength, {
    error: expecting(`text of 1 to ${L.commandPartLength} characters`)
  })
  .refine((part) => !part.includes('\0'), { message: 'contains a NUL character' })

const deadlineSchema = z.iso
  .datetime({
    offset: true,
    error: expecting('an ISO 8601 date and time with a zone, like 2026-12-05T18:00:00Z')
  })
  .refine((iso) => Number.isFinite(Date.parse(iso)), { message: 'is not a real date and time' })

export const jobWorkloadSchema = z
  .strictObject({
    kind: z.literal('job'),
    name: nameSchema,
    command: list(commandPart, 1, L.commandParts, 'arguments (argv, e.g. ["python", "train.py"])'),
    workHours: decimal(0, L.workHours, 'a number of hours', true),
    deadline: deadlineSchema.optional(),
    deadlineHours: decimal(0, L.deadlineHours, 'a number of hours', true).optional(),
    changeoverHours: decimal(0, L.changeoverHours, 'a number of hours').default(
      JOB_DEFAULTS.changeoverHours
    ),
    checkpoint: checkpointSchema.optional(),
    policy: z
      .enum(JOB_POLICIES, { error: expecting(`one of ${JOB_POLICIES.join(', ')}`) })
      .default(JOB_DEFAULTS.policy),
    instanceTypes: instanceTypesSchema,
    zones: zonesSchema.optional(),
    /** on a real cloud; none: DEFAULT_JOB_IMAGE */
    image: imageSchema.optional(),
    /** the instance's root disk (data, checkpoints, the image); absent: DEFAULT_DISK_GIB */
    diskGiB: wholeNumber(...L.diskGiB).optional(),
    env: envSchema.default({}),
    /** SSM SecureString parameter whose value the job's container gets as HF_TOKEN */
    hfTokenParameter: parameterNameSchema.optional()
  })
  .superRefine((job, ctx) => {
    if (job.deadline !== undefined && job.deadlineHours !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['deadlineHours'],
        message: 'give deadline or deadlineHours, not both'
      })
    else if (job.deadline === undefined && job.deadlineHours === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          'a job needs deadline (an ISO time) or deadlineHours (hours from submission); neither is given'
      })
    else if (job.deadlineHours !== undefined && job.deadlineHours < job.workHours)
      ctx.addIssue({
        code: 'custom',
        path: ['deadlineHours'],
        message: `${job.deadlineHours} hours is less than workHours (${job.workHours}): the job cannot finish in time`
      })
  })

// ---------------------------------------------------------------- both

const KINDS = ['service', 'job'] as const

export const workloadSchema = z.discriminatedUnion(
  'kind',
  [serviceWorkloadSchema, jobWorkloadSchema],
  {
    error: (issue) => {
      const input = issue.input
      if (input === null || typeof input !== 'object' || Array.isArray(input))
        return `expected a workload (a map with kind: service or kind: job), got ${describeValue(input)}`
      const kind = (input as { kind?: unknown }).kind
      if (kind === undefined) return 'required (service or job)'
      return `expected ${KINDS.join(' or ')}, got ${describeValue(kind)}`
    }
  }
)

export type ServiceWorkload = z.output<typeof serviceWorkloadSchema>
export type JobWorkload = z.output<typeof jobWorkloadSchema>
export type Workload = z.output<typeof workloadSchema>
/** what a user may write: defaults may be left out */
export type WorkloadInput = z.input<typeof workloadSchema>
export type WorkloadKind = Workload['kind']

export type PathSegment = string | number

/** One problem with a workload: where (field path inside the workload) and what. */
export interface WorkloadProblem {
  path: PathSegment[]
  message: string
  /** the field at `path` is not part of the schema (its key, not its value, is the problem) */
  unknownField?: boolean
}

export type WorkloadCheck =
  { ok: true; workload: Workload } | { ok: false; problems: WorkloadProblem[] }

/** Validate one workload (defaults applied); every problem, in the order found. */
export function checkWorkload(value: unknown): WorkloadCheck {
  const parsed = workloadSchema.safeParse(value)
  if (parsed.success) return { ok: true, workload: parsed.data }
  return { ok: false, problems: problemsOf(parsed.error) }
}

/**
 * zod issues as problems; an unknown-keys issue becomes one problem per key, at the key. A value
 * that fails two checks of one field (an empty name: too short and not the pattern) gets the
 * field's one message once.
 */
export function problemsOf(error: z.ZodError): WorkloadProblem[] {
  const seen = new Set<string>()
  const all = error.issues.flatMap((issue): WorkloadProblem[] => {
    const path = issue.path.filter(
      (p): p is PathSegment => typeof p === 'string' || typeof p === 'number'
    )
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown field ${JSON.stringify(key)}`,
        unknownField: true
      }))
    return [{ path, message: issue.message }]
  })
  return all.filter((problem) => {
    const key = JSON.stringify([problem.path, problem.message])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** `checkpoint.stateGiB`, `command[0]`, `env["MY VAR"]`: a path as a user would write it. */
export function pathText(path: readonly PathSegment[]): string {
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) return i === 0 ? segment : `.${segment}`
      return `[${JSON.stringify(segment)}]`
    })
    .join('')
}

/**
 * A problem as one line without a location: `replicas: expected ...`. An unknown field is named by
 * its parent (`checkpoint: unknown field "x"`, or just `unknown field "x"` at the top).
 */
export function problemText(problem: WorkloadProblem): string {
  const where = problem.unknownField ? problem.path.slice(0, -1) : problem.path
  return where.length > 0 ? `${pathText(where)}: ${problem.message}` : problem.message
}
